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
