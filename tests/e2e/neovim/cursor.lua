-- Driven by tests/e2e/test_neovim.py: the shipped plugin tells the server where the
-- cursor is (slm-ls/didChangeCursor) when it moves in normal mode; the server prepares
-- the suggestion there. Moves the cursor between two lines until the server's
-- slmls/stats count a prepared place, and writes "warmed N" to $SLM_LS_OUT — or
-- "FAIL: why".
local harness = dofile(debug.getinfo(1, "S").source:match("@(.*/)") .. "harness.lua")

local finish = harness.finish

harness.start()

local waited, line = 0, 4
local timer = assert((vim.uv or vim.loop).new_timer())
timer:start(500, 500, vim.schedule_wrap(function()
  if timer:is_closing() then
    return
  end
  waited = waited + 500
  local client = require("slm_ls").client_for(0)
  if waited >= 120000 then
    timer:close()
    return finish("FAIL: the server never counted a prepared place")
  end
  if not client then
    return
  end
  line = line == 4 and 5 or 4 -- a move the plugin reports (the model may still load)
  vim.api.nvim_win_set_cursor(0, { line, 0 })
  vim.api.nvim_exec_autocmds("CursorMoved", {}) -- headless: no redraw loop fires it
  client:request("slmls/stats", {}, function(err, result)
    if not err and result and (result.warmed or 0) > 0 and not timer:is_closing() then
      timer:close()
      finish("warmed " .. result.warmed)
    end
  end, 0)
end))
