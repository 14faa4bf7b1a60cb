-- What the Neovim test scripts share (loaded with dofile from their own folder):
-- writing the result to $SLM_LS_OUT and leaving, and the shipped plugin set up with
-- the server of this checkout on $SLM_LS_FILE.
local M = {}

M.out = assert(os.getenv("SLM_LS_OUT"))

--- Write `text` (the result, or "FAIL: why") and quit Neovim.
function M.finish(text)
  local f = assert(io.open(M.out, "w"))
  f:write(text)
  f:close()
  vim.schedule(function()
    vim.cmd("qall!")
  end)
end

--- Call `step()` every `ms` until it returns true (then the timer stops); after
--- `limit_ms`, finish with "FAIL: " .. `why()` (a string or a function giving one).
function M.every(ms, limit_ms, why, step)
  local waited = 0
  local timer = assert((vim.uv or vim.loop).new_timer())
  timer:start(ms, ms, vim.schedule_wrap(function()
    if timer:is_closing() then
      return
    end
    waited = waited + ms
    if waited >= limit_ms then
      timer:close()
      return M.finish("FAIL: " .. (type(why) == "function" and why() or why))
    end
    if step() then
      timer:close()
    end
  end))
end

--- The plugin from $SLM_LS_PLUGIN set up with `opts` (the server command added), and
--- $SLM_LS_FILE opened.
function M.start(opts)
  vim.opt.rtp:prepend(assert(os.getenv("SLM_LS_PLUGIN")))
  opts = opts or {}
  opts.cmd = { assert(os.getenv("SLM_LS_PYTHON")), "-m", "lsp_server", "serve" }
  require("slm_ls").setup(opts)
  vim.cmd("edit " .. assert(os.getenv("SLM_LS_FILE")))
end

return M
