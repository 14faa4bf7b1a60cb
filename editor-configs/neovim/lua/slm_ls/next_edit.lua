-- Next edit for Neovim: after a pause in editing, asks the server for the edit that
-- should follow yours (textDocument/copilotInlineEdit, as Copilot's server offers it),
-- shows it where it belongs (the replaced text highlighted, the new text at the end
-- of that line) and applies it with one key (default <M-n>: jumps there and applies).
-- The server answers while its `nextEdit.enabled` is on (the default; docs/configuration.md).
local M = {}

M.ns = vim.api.nvim_create_namespace("slm_ls.next_edit")
local uv = vim.uv or vim.loop
-- Per buffer: { edit, timer }
local buffers = {}

local function has(version)
  return vim.fn.has("nvim-" .. version) == 1
end

local function call(client, method, params, handler, buf)
  if has("0.11") then
    return client:request(method, params, handler, buf)
  end
  return client.request(method, params, handler, buf)
end

local function notify(client, method, params)
  if has("0.11") then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

function M.clear(buf)
  local state = buffers[buf]
  if state then
    state.edit = nil
  end
  pcall(vim.api.nvim_buf_clear_namespace, buf, M.ns, 0, -1)
end

--- The edit waiting in `buf`, if any (for tests and statuslines).
function M.pending(buf)
  local state = buffers[buf or vim.api.nvim_get_current_buf()]
  return state and state.edit or nil
end

--- What an edit will do, to show it: "delete" (whole lines), "insert" (whole lines,
--- `lines`, below the line or above it) or "replace" (the line as it will read).
function M.describe(line, edit, start, finish)
  local range = edit.range
  local text = edit.text
  if text == "" and range["end"].line > range.start.line and range.start.character == 0
    and range["end"].character == 0 then
    return { kind = "delete", count = range["end"].line - range.start.line }
  end
  if text:find("\n", 1, true) and range.start.line == range["end"].line and start == finish then
    local lines = vim.split(text, "\n", { plain = true })
    if start >= #line and lines[1] == "" then -- at the end of the line: lines below it
      table.remove(lines, 1)
      return { kind = "insert", lines = lines, below = true }
    end
    if start == 0 and lines[#lines] == "" then -- at the start of the line: lines above it
      table.remove(lines)
      return { kind = "insert", lines = lines, below = false }
    end
  end
  local new_line = line:sub(1, start) .. text .. line:sub(finish + 1)
  return { kind = "replace", lines = vim.split(new_line, "\n", { plain = true }) }
end

--- Show `edit` in `buf` (what it will do, at its line) and tell the server it was shown.
function M.show(buf, client, edit)
  M.clear(buf)
  buffers[buf] = buffers[buf] or {}
  local state = buffers[buf]
  state.edit, state.client = edit, client
  local range = edit.range
  local line = vim.api.nvim_buf_get_lines(buf, range.start.line, range.start.line + 1, false)[1]
  if not line then
    return
  end
  local encoding = client.offset_encoding or "utf-16"
  local start = vim.lsp.util._get_line_byte_from_position
      and vim.lsp.util._get_line_byte_from_position(buf, range.start, encoding)
    or range.start.character
  local finish = vim.lsp.util._get_line_byte_from_position
      and vim.lsp.util._get_line_byte_from_position(buf, range["end"], encoding)
    or range["end"].character
  local hint = "  (next edit: " .. M.key .. ")"
  local what = M.describe(line, edit, start, finish)
  if what.kind == "delete" then
    local words = what.count == 1 and "delete this line" or ("delete these " .. what.count .. " lines")
    vim.api.nvim_buf_set_extmark(buf, M.ns, range.start.line, 0, {
      end_row = range["end"].line,
      end_col = 0,
      hl_group = "DiffDelete",
      hl_eol = true,
      virt_text = { { "  ✕ " .. words .. hint, "DiffDelete" } },
      virt_text_pos = "eol",
    })
  elseif what.kind == "insert" then
    local shown = {}
    for _, added in ipairs(what.lines) do
      table.insert(shown, { { "+ " .. added, "DiffAdd" } })
    end
    local words = (#what.lines == 1 and "insert a line " or ("insert " .. #what.lines .. " lines "))
      .. (what.below and "below" or "above")
    vim.api.nvim_buf_set_extmark(buf, M.ns, range.start.line, 0, {
      virt_lines = shown,
      virt_lines_above = not what.below,
      virt_text = { { "  " .. words .. hint, "DiffAdd" } },
      virt_text_pos = "eol",
    })
  else
    vim.api.nvim_buf_set_extmark(buf, M.ns, range.start.line, start, {
      end_col = math.max(start, finish),
      hl_group = "DiffDelete",
      virt_text = { { "  → " .. vim.trim(table.concat(what.lines, " ⏎ ")) .. hint, "DiffAdd" } },
      virt_text_pos = "eol",
    })
  end
  notify(client, "textDocument/didShowInlineEdit", { item = edit })
end

local function ask(buf)
  local client = require("slm_ls").client_for(buf)
  if not client or not vim.api.nvim_buf_is_valid(buf) then
    return
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding or "utf-16")
  params.textDocument.version = vim.lsp.util.buf_versions[buf]
  call(client, "textDocument/copilotInlineEdit", params, function(err, result)
    if err or not result or not result.edits or #result.edits == 0 then
      return
    end
    local edit = result.edits[1]
    if edit.textDocument.version ~= vim.lsp.util.buf_versions[buf] then
      return -- the text moved on meanwhile
    end
    M.show(buf, client, edit)
  end, buf)
end

--- Jump to the waiting edit and apply it; false when there is none.
function M.accept(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  local state = buffers[buf]
  local edit = state and state.edit
  if not edit then
    return false
  end
  M.clear(buf)
  local encoding = state.client.offset_encoding or "utf-16"
  vim.lsp.util.apply_text_edits({ { range = edit.range, newText = edit.text } }, buf, encoding)
  pcall(vim.api.nvim_win_set_cursor, 0, { edit.range.start.line + 1, edit.range.start.character })
  return true
end

function M.attach(buf, opts)
  if buffers[buf] then
    return
  end
  buffers[buf] = { timer = uv.new_timer() }
  M.key = opts.keys.next_edit or "<M-n>"
  vim.api.nvim_create_autocmd({ "TextChanged", "TextChangedI" }, {
    buffer = buf,
    callback = function()
      M.clear(buf)
      local state = buffers[buf]
      state.timer:stop()
      state.timer:start(opts.next_edit_debounce_ms, 0, vim.schedule_wrap(function()
        ask(buf)
      end))
    end,
  })
  vim.api.nvim_create_autocmd("BufDelete", {
    buffer = buf,
    callback = function()
      local state = buffers[buf]
      if state then
        state.timer:close()
      end
      buffers[buf] = nil
    end,
  })
end

return M
