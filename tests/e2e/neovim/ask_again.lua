-- Driven by tests/e2e/test_neovim.py: the plugin's ghost text (Neovim 0.7-0.11) when
-- the first answer at a place is empty (the server's fake engine answers nothing the
-- first time, as a cold start past its deadline does): the person stopped typing, and
-- the plugin asks once more there; the ghost text appears. Writes "ghost" or "FAIL: why".
local harness = dofile(debug.getinfo(1, "S").source:match("@(.*/)") .. "harness.lua")

vim.opt.rtp:prepend(assert(os.getenv("SLM_LS_PLUGIN")))
require("slm_ls").setup({
  cmd = { assert(os.getenv("SLM_LS_PYTHON")), "-m", "tests.support.fake_server", "x + 1" },
  settings = { completion = { idleWork = false, warm = false } },
})
vim.cmd("edit " .. assert(os.getenv("SLM_LS_FILE")))

local typed = false
harness.every(100, 30000, function() return "no ghost text (typed: " .. tostring(typed) .. ")" end, function()
  if not typed and require("slm_ls").client_for(0) then
    typed = true
    vim.api.nvim_win_set_cursor(0, { 1, 0 })
    vim.api.nvim_feedkeys("Ay = ", "t", true)
    return false
  end
  local ns = vim.api.nvim_get_namespaces()["slm_ls.ghost"]
  if typed and ns and #vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, {}) > 0 then
    harness.finish("ghost")
    return true
  end
  return false
end)
