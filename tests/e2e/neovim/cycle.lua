-- Driven by tests/e2e/test_neovim.py: the shipped plugin in a real Neovim, headless.
-- Waits for the ghost text at the end of line $SLM_LS_LINE, presses <M-]> until another
-- suggestion is shown, takes a word of it with <C-Right>, waits for the rest to be
-- shown again, and writes JSON to $SLM_LS_OUT: the two suggestions, the line after the
-- word, the rest shown, and the server's stats (accept counts, request records).
local h = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":h") .. "/harness.lua")
local line = tonumber(assert(os.getenv("SLM_LS_LINE")))
local json = vim.json and vim.json.encode or vim.fn.json_encode
h.start({ settings = (vim.json and vim.json.decode or vim.fn.json_decode)(os.getenv("SLM_LS_SETTINGS") or "{}") })

--- The ghost text shown (every line), without native inline completion's " (2/3)".
local function shown()
  local spaces = vim.api.nvim_get_namespaces()
  local ns = spaces["nvim.lsp.inline_completion"] or spaces["slm_ls.ghost"]
  if not ns then
    return ""
  end
  local parts = {}
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })) do
    local details = mark[4] or {}
    local first = {}
    for _, chunk in ipairs(details.virt_text or {}) do
      table.insert(first, chunk[1])
    end
    table.insert(parts, (table.concat(first):gsub(" %(%d+/%d+%)$", "")))
    for _, virt in ipairs(details.virt_lines or {}) do
      local text = {}
      for _, chunk in ipairs(virt) do
        table.insert(text, chunk[1])
      end
      table.insert(parts, table.concat(text))
    end
  end
  return table.concat(parts, "\n")
end

local function press(keys)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(keys, true, false, true), "m", false)
end

local function stats()
  local client = require("slm_ls").client_for(0)
  local request_sync = client.request_sync
  local answer = vim.fn.has("nvim-0.11") == 1 and client:request_sync("slmls/stats", {}, 10000, 0)
    or request_sync("slmls/stats", {}, 10000, 0)
  return answer and answer.result or {}
end

local result = {}
local before = vim.api.nvim_buf_get_lines(0, line - 1, line, false)[1]
h.every(50, 60000, "the server did not attach", function()
  if not require("slm_ls").client_for(0) then
    return false
  end
  vim.api.nvim_win_set_cursor(0, { line, #before })
  vim.cmd("startinsert!")
  h.every(50, 120000, "no ghost text", function()
    result.first = shown()
    if result.first == "" then
      return false
    end
    press("<M-]>")
    h.every(50, 60000, function() return "<M-]> showed nothing else: " .. shown() end, function()
      local now = shown()
      if now == "" or now == result.first then
        return false
      end
      result.second = now
      press("<C-Right>")
      h.every(50, 10000, "<C-Right> took nothing", function()
        local now_line = vim.api.nvim_buf_get_lines(0, line - 1, line, false)[1]
        if now_line == before then
          return false
        end
        result.line = now_line
        h.every(50, 15000, "the rest was not shown", function()
          result.rest = shown()
          if result.rest == "" then
            return false
          end
          result.before = before
          result.stats = stats()
          h.finish(json(result))
          return true
        end)
        return true
      end)
      return true
    end)
    return true
  end)
  return true
end)
