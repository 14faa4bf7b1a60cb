-- Driven by tests/e2e/test_neovim.py: next edit through the shipped plugin. Opens
-- $SLM_LS_FILE, renames `factor` to `ratio` in the signature, waits until the plugin
-- shows the next edit the server proposes, applies it with the plugin's key (<M-n>)
-- and writes the buffer to $SLM_LS_OUT — or "FAIL: why".
local harness = dofile(debug.getinfo(1, "S").source:match("@(.*/)") .. "harness.lua")

local finish = harness.finish

harness.start({
  settings = { nextEdit = { enabled = true, deadlineMs = 60000 } },
  next_edit_debounce_ms = 200,
})

local next_edit = require("slm_ls.next_edit")
local step = "attach"
harness.every(200, 120000, function() return "stuck at " .. step end, function()
  if step == "attach" and require("slm_ls").client_for(0) then
    local first = vim.api.nvim_buf_get_lines(0, 0, 1, false)[1]
    local at = assert(first:find("factor", 1, true)) - 1
    vim.api.nvim_buf_set_text(0, 0, at, 0, at + #"factor", { "ratio" })
    vim.api.nvim_exec_autocmds("TextChanged", { buffer = 0 }) -- headless: no main loop fires it
    step = "shown"
  elseif step == "shown" and next_edit.pending() then
    local marks = vim.api.nvim_buf_get_extmarks(0, next_edit.ns, 0, -1, {})
    if #marks == 0 then
      finish("FAIL: a next edit but nothing shown")
      return true
    end
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<M-n>", true, false, true), "m", false)
    step = "applied"
  elseif step == "applied" and not next_edit.pending() then
    finish(table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n") .. "\n")
    return true
  end
  return false
end)
