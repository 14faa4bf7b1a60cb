-- Driven by tests/e2e/test_neovim.py: `:checkhealth slm_ls` after setup{}, its report
-- written to $SLM_LS_OUT: first before any buffer (no client yet), then with the server
-- running on $SLM_LS_FILE (its choice of model and the reason).
local harness = dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "harness.lua")
vim.opt.rtp:prepend(assert(os.getenv("SLM_LS_PLUGIN")))
require("slm_ls").setup({ cmd = { assert(os.getenv("SLM_LS_PYTHON")), "-m", "lsp_server", "serve" } })

local function report()
  vim.cmd("checkhealth slm_ls")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  vim.cmd("bwipeout!")
  return text
end

local before = report()
vim.cmd("edit " .. assert(os.getenv("SLM_LS_FILE")))
harness.every(200, 60000, "the client did not start", function()
  local clients = vim.tbl_filter(function(client)
    return client.name == "slm_ls" and client.server_capabilities ~= nil
  end, (vim.lsp.get_clients or vim.lsp.get_active_clients)())
  if #clients == 0 then
    return false
  end
  harness.finish(before .. "\n=== running ===\n" .. report())
  return true
end)
