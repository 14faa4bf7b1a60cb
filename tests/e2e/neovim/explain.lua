-- Driven by tests/e2e/test_neovim.py: "Explain this (slm-ls)" picked from the code
-- actions at the cursor (in fibonacci()), through the shipped plugin; writes the
-- floating window's text to $SLM_LS_OUT — or "FAIL: why".
local harness = dofile(debug.getinfo(1, "S").source:match("@(.*/)") .. "harness.lua")

-- What the editor told the user (vim.notify), reported when no window appears.
local told = {}
local notify = vim.notify
vim.notify = function(msg, ...)
  table.insert(told, tostring(msg))
  return notify(msg, ...)
end

local finish = harness.finish

harness.start()
vim.api.nvim_win_set_cursor(0, { 3, 4 })

local function floating()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= "" then
      return win
    end
  end
end

local waited, asked = 0, false
local timer = assert((vim.uv or vim.loop).new_timer())
timer:start(100, 100, vim.schedule_wrap(function()
  if timer:is_closing() then
    return
  end
  waited = waited + 100
  if not asked and #vim.lsp.get_clients({ bufnr = 0 }) > 0 then
    asked = true
    vim.lsp.buf.code_action({
      apply = true,
      filter = function(action)
        return action.title == "Explain this (slm-ls)"
      end,
    })
  end
  local win = floating()
  if win then
    timer:close()
    local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)
    return finish(table.concat(lines, "\n"))
  end
  if waited >= 240000 then
    timer:close()
    finish(
      "FAIL: no floating window (asked: "
        .. tostring(asked)
        .. "; told: "
        .. table.concat(told, " | ")
        .. ")"
    )
  end
end))
