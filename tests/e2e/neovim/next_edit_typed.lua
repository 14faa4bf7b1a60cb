-- Driven by tests/e2e/test_neovim.py: next edit while typing as a person does, with
-- the default settings. Opens $SLM_LS_FILE, opens a line below line 3 and types a
-- field beside `self.width` key by key in insert mode (the native inline completion
-- asks the server at each key), leaves insert mode, waits until the plugin shows the
-- next edit, applies it with <M-n> and writes the buffer to $SLM_LS_OUT — or "FAIL: why".
local harness = dofile(debug.getinfo(1, "S").source:match("@(.*/)") .. "harness.lua")

local finish = harness.finish
harness.start({})

local next_edit = require("slm_ls.next_edit")
local typed = "self.height = size"
local step, index = "attach", 0
harness.every(80, 120000, function() return "stuck at " .. step end, function()
  if step == "attach" and require("slm_ls").client_for(0) then
    vim.api.nvim_win_set_cursor(0, { 3, 0 })
    vim.api.nvim_feedkeys("o", "t", true)
    step = "typing"
  elseif step == "typing" then
    if index < #typed then
      index = index + 1
      vim.api.nvim_feedkeys(typed:sub(index, index), "t", true)
    else
      vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<Esc>", true, false, true), "t", true)
      step = "shown"
    end
  elseif step == "shown" and next_edit.pending() then
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<M-n>", true, false, true), "m", false)
    step = "applied"
  elseif step == "applied" and not next_edit.pending() then
    finish(table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n") .. "\n")
    return true
  end
  return false
end)
