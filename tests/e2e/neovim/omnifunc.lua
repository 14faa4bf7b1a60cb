-- Driven by tests/e2e/test_neovim.py: the shipped plugin's omnifunc in a real Neovim,
-- headless. Opens $SLM_LS_FILE at the end of line $SLM_LS_LINE in insert mode,
-- presses <C-x><C-o> and writes the completion menu's items (JSON) to $SLM_LS_OUT —
-- or "FAIL: why".
local out = assert(os.getenv("SLM_LS_OUT"))
local line = tonumber(assert(os.getenv("SLM_LS_LINE")))
local uv = vim.uv or vim.loop

local function finish(text)
  local f = assert(io.open(out, "w"))
  f:write(text)
  f:close()
  vim.schedule(function() vim.cmd("qall!") end)
end

local function poll(ms, why, step)
  local waited, timer = 0, assert(uv.new_timer())
  timer:start(100, 100, vim.schedule_wrap(function()
    if timer:is_closing() then return end
    waited = waited + 100
    local ok, done = pcall(step)
    if not ok or done or waited >= ms then
      timer:close()
      if not ok then finish("FAIL: " .. tostring(done)) elseif not done then finish("FAIL: " .. why) end
    end
  end))
end

vim.opt.rtp:prepend(assert(os.getenv("SLM_LS_PLUGIN")))
require("slm_ls").setup({
  cmd = { assert(os.getenv("SLM_LS_PYTHON")), "-m", "lsp_server", "serve" },
  settings = (vim.json and vim.json.decode or vim.fn.json_decode)(os.getenv("SLM_LS_SETTINGS") or "{}"),
  accept_key = false,
})
vim.opt.completeopt = { "menuone", "noinsert" }
vim.cmd("edit " .. assert(os.getenv("SLM_LS_FILE")))
local before = vim.api.nvim_buf_get_lines(0, line - 1, line, false)[1]

poll(60000, "the server did not attach", function()
  if not require("slm_ls").client_for(0) then return false end
  vim.api.nvim_win_set_cursor(0, { line, #before })
  vim.cmd("startinsert!")
  local asked = 0
  poll(150000, "no completion items", function()
    local info = vim.fn.complete_info({ "items", "pum_visible" })
    if #info.items > 0 then
      finish(vim.fn.json_encode(info.items))
      return true
    end
    -- Ask again every 5 s: the first answer may come before the model is loaded.
    if asked % 50 == 0 then
      vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<C-x><C-o>", true, false, true), "n", false)
    end
    asked = asked + 1
    return false
  end)
  return true
end)
