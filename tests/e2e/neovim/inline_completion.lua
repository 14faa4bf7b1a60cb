-- Driven by tests/e2e/test_neovim.py: the shipped plugin in a real Neovim, headless
-- (0.12+: native inline completion; 0.7-0.11: the plugin's own ghost text). Opens
-- $SLM_LS_FILE, enters insert mode at the end of line $SLM_LS_LINE, waits for the
-- ghost text, accepts it with <Tab> (the plugin's mapping) and writes the buffer to
-- $SLM_LS_OUT — or "FAIL: why". With $SLM_LS_HOLD_MS it waits that long with the
-- ghost text shown (and writes $SLM_LS_OUT.ghost) before accepting: a screenshot's
-- moment.
local out = assert(os.getenv("SLM_LS_OUT"))
local line = tonumber(assert(os.getenv("SLM_LS_LINE")))

local function finish(text)
  local f = assert(io.open(out, "w"))
  f:write(text)
  f:close()
  vim.cmd("stopinsert")
  vim.schedule(function()
    vim.cmd("qall!")
  end)
end

--- Call `step` every 50 ms until it returns true; after `ms`, finish with `why`.
local function poll(ms, why, step)
  local waited = 0
  local timer = assert((vim.uv or vim.loop).new_timer())
  timer:start(50, 50, vim.schedule_wrap(function()
    if timer:is_closing() then
      return
    end
    waited = waited + 50
    local ok, done = pcall(step)
    if not ok then
      timer:close()
      return finish("FAIL: " .. tostring(done))
    end
    if done then
      timer:close()
    elseif waited >= ms then
      timer:close()
      finish("FAIL: " .. why)
    end
  end))
end

if os.getenv("SLM_LS_DEBUG") then vim.lsp.log.set_level("debug") end
vim.opt.rtp:prepend(assert(os.getenv("SLM_LS_PLUGIN")))
require("slm_ls").setup({
  cmd = { assert(os.getenv("SLM_LS_PYTHON")), "-m", "lsp_server", "serve" },
  settings = (vim.json and vim.json.decode or vim.fn.json_decode)(os.getenv("SLM_LS_SETTINGS") or "{}"),
})
vim.cmd("edit " .. assert(os.getenv("SLM_LS_FILE")))

local function ghost()
  local spaces = vim.api.nvim_get_namespaces()
  local ns = spaces["nvim.lsp.inline_completion"] or spaces["slm_ls.ghost"]
  return ns and #vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, {}) > 0
end

local held = false
local function hold()
  local ms = tonumber(os.getenv("SLM_LS_HOLD_MS") or "0")
  if ms == 0 or held == "done" then
    return true
  end
  if not held then
    held = true
    local f = assert(io.open(out .. ".ghost", "w"))
    f:close()
    vim.defer_fn(function() held = "done" end, ms)
  end
  return false
end

local before = vim.api.nvim_buf_get_lines(0, line - 1, line, false)[1]
poll(60000, "the server did not attach", function()
  if not require("slm_ls").client_for(0) then
    return false
  end
  vim.api.nvim_win_set_cursor(0, { line, #before })
  vim.cmd("startinsert!")
  poll(120000, "no ghost text", function()
    if os.getenv("SLM_LS_DEBUG") then
      io.stderr:write("mode " .. vim.api.nvim_get_mode().mode .. "\n")
    end
    if not ghost() then
      return false
    end
    if not hold() then
      return false
    end
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<Tab>", true, false, true), "m", false)
    poll(5000, "<Tab> did not accept", function()
      local now = vim.api.nvim_buf_get_lines(0, line - 1, line, false)[1]
      if now == before then
        return false
      end
      finish(table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n") .. "\n")
      return true
    end)
    return true
  end)
  return true
end)
