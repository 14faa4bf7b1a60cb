-- Ghost text for Neovim 0.7-0.11, which have no native inline completion: asks the
-- server for textDocument/inlineCompletion as you type (the previous request
-- cancelled), shows the first line at the cursor (virt_text) and the rest below it
-- (virt_lines), and accepts all of it, a word or a line.
local M = {}

M.ns = vim.api.nvim_create_namespace("slm_ls.ghost")
local AUTOMATIC = 2 -- InlineCompletionTriggerKind.Automatic
local INVOKED = 1
local CANCELLED = -32800 -- RequestCancelled: superseded by a newer keystroke's request
M.ask_again_ms = 1000

local ask_again -- defined below M.request's helpers

-- Per buffer: { client, request, timer, text, row, col, mark, replace_to }
local buffers = {}
local uv = vim.uv or vim.loop

local function has(version)
  return vim.fn.has("nvim-" .. version) == 1
end

local function clear(buf)
  local state = buffers[buf]
  if not state then
    return
  end
  if state.request and state.client then
    state.client.cancel_request(state.request)
  end
  state.request, state.text, state.items, state.item = nil, nil, nil, nil
  pcall(vim.api.nvim_buf_clear_namespace, buf, M.ns, 0, -1)
end

local function render(buf, state)
  pcall(vim.api.nvim_buf_clear_namespace, buf, M.ns, 0, -1)
  local lines = vim.split(state.text, "\n", { plain = true })
  local first = { { lines[1], "Comment" } }
  local opts = { virt_text = first, hl_mode = "combine" }
  if has("0.10") then
    opts.virt_text_pos = "inline"
  else
    -- Before 0.10 there is no inline virtual text: overlay at the end of the line, or
    -- after it when the cursor is inside the line (the rest of the line stays visible).
    local line = vim.api.nvim_buf_get_lines(buf, state.row, state.row + 1, false)[1] or ""
    opts.virt_text_pos = state.col >= #line and "overlay" or "eol"
  end
  if #lines > 1 then
    opts.virt_lines = {}
    for i = 2, #lines do
      table.insert(opts.virt_lines, { { lines[i], "Comment" } })
    end
  end
  state.mark = vim.api.nvim_buf_set_extmark(buf, M.ns, state.row, state.col, opts)
end

--- The text to show after the cursor: the item's insertText less what its range
--- already covers before the cursor (the word being typed).
local function remainder(item, row, col, buf, encoding)
  local text = type(item.insertText) == "table" and item.insertText.value or item.insertText
  if type(text) ~= "string" or text == "" then
    return nil
  end
  local range = item.range
  if not range then
    return text, nil
  end
  local line = vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1] or ""
  local start = vim.lsp.util._get_line_byte_from_position
      and vim.lsp.util._get_line_byte_from_position(buf, range.start, encoding)
    or range.start.character
  local typed = line:sub(start + 1, col)
  if range.start.line ~= row or text:sub(1, #typed) ~= typed then
    return nil
  end
  local stop = range["end"].line == row
      and vim.lsp.util._get_line_byte_from_position
      and vim.lsp.util._get_line_byte_from_position(buf, range["end"], encoding)
    or col
  return text:sub(#typed + 1), math.max(stop, col)
end

--- Show item `index` of `items` (answered at row, col); false when it has nothing to show.
local function show(buf, state, items, index, row, col)
  local item = items[index]
  if not item then
    return false
  end
  local text, replace_to = remainder(item, row, col, buf, state.client.offset_encoding or "utf-16")
  if not text or text == "" then
    return false
  end
  state.items, state.index, state.item = items, index, item
  state.text, state.row, state.col, state.replace_to = text, row, col, replace_to
  render(buf, state)
  return true
end

local function on_result(buf, state, row, col, result, index)
  local items = result and (result.items or result) or {}
  local cursor = vim.api.nvim_win_get_cursor(0)
  if #items == 0 or vim.api.nvim_get_current_buf() ~= buf or cursor[1] - 1 ~= row or cursor[2] ~= col then
    return
  end
  show(buf, state, items, ((index or 1) - 1) % #items + 1, row, col)
end

--- An automatic request answered nothing (or an error) while the person still rests
--- at the same place: ask once more after a pause. Right after start-up the first
--- answer can come empty (the model still loading, a cold prompt past its deadline on
--- a busy machine) while the server goes on warming that place in its idle time; the
--- person, who stopped typing, would otherwise never see a suggestion there.
ask_again = function(buf, client, tick, row, col)
  local state = buffers[buf]
  local place = table.concat({ tick, row, col }, ":")
  if not state or state.asked_again == place then
    return
  end
  state.asked_again = place
  vim.defer_fn(function()
    local cursor = vim.api.nvim_win_get_cursor(0)
    if vim.api.nvim_get_current_buf() ~= buf or vim.api.nvim_buf_get_changedtick(buf) ~= tick
      or cursor[1] - 1 ~= row or cursor[2] ~= col or vim.api.nvim_get_mode().mode:sub(1, 1) ~= "i"
      or state.text or state.request then
      return
    end
    M.request(buf, client, false)
  end, M.ask_again_ms)
end

--- Ask for a suggestion at the cursor (the previous request is cancelled); an invoked
--- request gets the server's candidates, and item `index` of them is shown.
function M.request(buf, client, invoked, index)
  buffers[buf] = buffers[buf] or {}
  local state = buffers[buf]
  clear(buf)
  state.client = client
  local cursor = vim.api.nvim_win_get_cursor(0)
  local row, col = cursor[1] - 1, cursor[2]
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding or "utf-16")
  params.context = { triggerKind = invoked and INVOKED or AUTOMATIC }
  local tick = vim.api.nvim_buf_get_changedtick(buf)
  local ok, id
  ok, id = client.request("textDocument/inlineCompletion", params, function(err, result)
    if state.request == id then
      state.request = nil
    end
    if not err then
      on_result(buf, state, row, col, result, index)
    end
    if not invoked and not state.text and not (err and err.code == CANCELLED) then
      ask_again(buf, client, tick, row, col)
    end
  end, buf)
  state.request = ok and id or nil
end

--- Debounced: typing fast sends one request for the last keystroke.
function M.schedule(buf, client, delay)
  buffers[buf] = buffers[buf] or {}
  local state = buffers[buf]
  clear(buf)
  if not state.timer then
    state.timer = uv.new_timer()
  end
  state.timer:stop()
  state.timer:start(delay, 0, vim.schedule_wrap(function()
    if vim.api.nvim_get_current_buf() == buf and vim.api.nvim_get_mode().mode:sub(1, 1) == "i" then
      M.request(buf, client, false)
    end
  end))
end

function M.visible(buf)
  local state = buffers[buf or vim.api.nvim_get_current_buf()]
  return state ~= nil and state.text ~= nil
end

--- Show the next (`step` 1) or previous (-1) of the server's candidates here; with
--- one shown or none, ask for them (an invoked request) and show the one after it.
function M.cycle(buf, client, step)
  local state = buffers[buf]
  if state and state.text and state.items and #state.items > 1 then
    local items, row, col = state.items, state.row, state.col
    local index = (state.index - 1 + step) % #items + 1
    pcall(vim.api.nvim_buf_clear_namespace, buf, M.ns, 0, -1)
    show(buf, state, items, index, row, col)
    return
  end
  local shown = state and state.text and 1 or 0
  M.request(buf, client, true, shown + (step > 0 and 1 or 0))
end

local function utf16_units(text)
  if has("0.11") then
    return vim.str_utfindex(text, "utf-16")
  end
  local _, units = vim.str_utfindex(text) -- before 0.11: UTF-32 and UTF-16 indices
  return units
end

--- Tell the server what was taken: the item's command for all of it, Copilot's
--- didPartiallyAcceptCompletion for its start (UTF-16 units of its insert text).
local function report(state, piece, whole)
  local item, client = state.item, state.client
  if not (item and item.command and client) then
    return
  end
  if whole then
    local params = { command = item.command.command, arguments = item.command.arguments }
    client.request("workspace/executeCommand", params, function() end)
    return
  end
  local text = type(item.insertText) == "table" and item.insertText.value or item.insertText
  local before = text:sub(1, #text - #state.text) -- what the range covered before the cursor
  local units = utf16_units(before .. piece)
  client.notify("textDocument/didPartiallyAcceptCompletion", { item = item, acceptedLength = units })
end

--- Insert `part` of the shown text (all of it by default) at the cursor.
function M.accept(part)
  local buf = vim.api.nvim_get_current_buf()
  local state = buffers[buf]
  if not (state and state.text) then
    return false
  end
  local text = state.text
  local piece = part and part(text) or text
  if piece == "" then
    return false
  end
  report(state, piece, piece == text)
  local lines = vim.split(piece, "\n", { plain = true })
  -- The whole suggestion replaces what its range covers after the cursor (closers the
  -- model rewrote); a part of it only inserts.
  local to = (piece == text and state.replace_to) or state.col
  clear(buf)
  vim.api.nvim_buf_set_text(buf, state.row, state.col, state.row, to, lines)
  local row = state.row + #lines - 1
  local col = (#lines == 1 and state.col or 0) + #lines[#lines]
  vim.api.nvim_win_set_cursor(0, { row + 1, col })
  return true
end

function M.word(text)
  return text:match("^%s*[%w_]+") or text:match("^%s*[^%w_%s]+") or text:match("^%s+") or text
end

function M.line(text)
  local first = text:match("^([^\n]*)")
  if first:match("%S") then
    return first
  end
  return text:match("^([^\n]*\n[^\n]*)") or text
end

M.dismiss = clear

--- Neovim 0.12: take `part` of native inline completion's `item` (from
--- vim.lsp.inline_completion.get's on_accept) and tell the server, as M.accept does.
function M.take_native(item, part)
  local text = type(item.insert_text) == "table" and item.insert_text.value or item.insert_text
  local client = vim.lsp.get_client_by_id(item.client_id)
  local piece = part(text)
  if type(text) ~= "string" or piece == "" or not client then
    return
  end
  local buf = vim.api.nvim_get_current_buf()
  local cursor = vim.api.nvim_win_get_cursor(0)
  local row = item.range and item.range.start.row or cursor[1] - 1
  local col = item.range and item.range.start.col or cursor[2]
  local lines = vim.split(piece, "\n", { plain = true })
  vim.api.nvim_buf_set_text(buf, row, col, row, col, lines)
  vim.api.nvim_win_set_cursor(0, { row + #lines, (#lines == 1 and col or 0) + #lines[#lines] })
  if not item.command then
    return
  end
  if piece == text then
    client:exec_cmd(item.command, { bufnr = buf })
  else
    local params = { item = { insertText = text, command = item.command }, acceptedLength = utf16_units(piece) }
    client:notify("textDocument/didPartiallyAcceptCompletion", params)
  end
end

--- Wire one buffer: requests while typing in insert mode, cleared when leaving it.
function M.attach(buf, client, opts)
  local group = vim.api.nvim_create_augroup("slm_ls_ghost_" .. buf, { clear = true })
  vim.api.nvim_create_autocmd({ "TextChangedI", "TextChangedP", "InsertEnter" }, {
    group = group,
    buffer = buf,
    callback = function()
      M.schedule(buf, client, opts.debounce_ms)
    end,
  })
  vim.api.nvim_create_autocmd({ "InsertLeave", "BufLeave" }, {
    group = group,
    buffer = buf,
    callback = function()
      clear(buf)
    end,
  })
  -- Attached while the user is already typing (the server just started): ask now.
  if vim.api.nvim_get_current_buf() == buf and vim.api.nvim_get_mode().mode:sub(1, 1) == "i" then
    M.schedule(buf, client, opts.debounce_ms)
  end
  vim.api.nvim_create_autocmd("CursorMovedI", {
    group = group,
    buffer = buf,
    callback = function()
      local state = buffers[buf]
      local cursor = vim.api.nvim_win_get_cursor(0)
      if state and state.text and (cursor[1] - 1 ~= state.row or cursor[2] ~= state.col) then
        clear(buf)
      end
    end,
  })
end

function M.detach(buf)
  clear(buf)
  local state = buffers[buf]
  if state and state.timer then
    state.timer:stop()
    state.timer:close()
  end
  buffers[buf] = nil
end

return M
