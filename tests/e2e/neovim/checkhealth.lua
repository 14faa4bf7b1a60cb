-- Driven by tests/e2e/test_neovim.py: `:checkhealth slm_ls` after setup{}, its report
-- written to $SLM_LS_OUT.
vim.opt.rtp:prepend(assert(os.getenv("SLM_LS_PLUGIN")))
require("slm_ls").setup({ cmd = { assert(os.getenv("SLM_LS_PYTHON")), "-m", "lsp_server", "serve" } })
vim.cmd("checkhealth slm_ls")
local f = assert(io.open(assert(os.getenv("SLM_LS_OUT")), "w"))
f:write(table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n"))
f:close()
vim.cmd("qall!")
