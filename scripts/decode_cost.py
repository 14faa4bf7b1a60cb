"""What one llama.cpp decode of k tokens costs against one of a single token, on this
machine: the price of checking k-1 speculative guesses (docs/benchmarks.md,
"Speculative decoding"). Not a product path: the engine's context, driven directly.

    .venv/bin/python scripts/decode_cost.py qwen2.5-coder-0.5b
"""

from __future__ import annotations

import statistics
import sys
import time

from lsp_server.config.settings import EngineSettings
from lsp_server.engines.llama_cpp import LlamaCppEngine
from lsp_server.engines.loader import load_engine
from lsp_server.models.resolve import resolve

CONTEXT = 300  # tokens already in the KV cache
SIZES = (1, 2, 3, 5, 9)
REPEATS = 5


def main(model: str) -> None:
    engine = load_engine(resolve(model), EngineSettings(context_length=2048))
    assert isinstance(engine, LlamaCppEngine)
    llm = engine._llm
    ids = engine.tokenize("def f(x):\n    return x\n" * 60)
    llm.n_tokens = 0
    llm.eval(ids[:CONTEXT])
    for k in SIZES:
        times = []
        for _ in range(REPEATS):
            llm.n_tokens = CONTEXT
            llm._ctx.kv_cache_seq_rm(-1, CONTEXT, -1)
            started = time.perf_counter()
            llm._batch.set_batch(batch=ids[CONTEXT : CONTEXT + k], n_past=CONTEXT, logits_all=True)
            llm._ctx.decode(llm._batch)
            times.append(time.perf_counter() - started)
        print(f"{model}: {k} tokens in one decode: {statistics.median(times) * 1000:.1f} ms")
    engine.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "qwen2.5-coder-0.5b")
