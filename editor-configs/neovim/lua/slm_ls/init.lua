-- slm-ls for Neovim: one setup{}.
--   Neovim 0.12+: native inline completion (ghost text), <Tab> accepts, <C-Right> a
--   word, <C-Down> a line.
--   Neovim 0.7-0.11: ghost text drawn by this plugin (lua/slm_ls/ghost.lua): <Tab>
--   accepts, <C-Right> accepts a word, <C-Down> a line, <C-]> dismisses.
--   Every version: <M-]> / <M-[> show the next / previous of the server's candidates
--   (the first press asks for them: an invoked request).
--   Every version: completion items through omnifunc (<C-x><C-o>) or nvim-cmp's LSP
--   source.
-- :checkhealth slm_ls reports the server command, the path taken and the model.
local M = {}

M.defaults = {
  cmd = nil, -- { "slm-ls", "serve" } or a full path; nil: found (see find_cmd)
  filetypes = {
    "python", "javascript", "javascriptreact", "typescript", "typescriptreact",
    "go", "rust", "c", "cpp", "java", "ruby", "sh", "bash", "lua",
  },
  root_markers = { ".git", "pyproject.toml", "package.json", "go.mod", "Cargo.toml" },
  settings = {}, -- sent as initializationOptions (docs/configuration.md)
  accept_key = "<Tab>",
  -- Accept a word / a line of the suggestion (every version); false turns a key off.
  keys = { accept_word = "<C-Right>", accept_line = "<C-Down>", dismiss = "<C-]>",
    -- Every version: the next / previous candidate (the first press asks for them).
    next = "<M-]>", previous = "<M-[>",
    -- Every version: jump to the next edit the server proposes and apply it.
    next_edit = "<M-n>" },
  -- Ask for the next edit after this pause in editing (the server answers while its
  -- nextEdit.enabled setting is on, the default).
  next_edit_debounce_ms = 600,
  debounce_ms = 75,
  -- Tell the server where the cursor is (slm-ls/didChangeCursor) when it moves, a
  -- buffer is entered or written, so that the first keystroke there is already warm.
  warm = true,
  cursor_debounce_ms = 150,
}

M.state = { cmd = nil, found = nil, tried = {}, path = nil }

local function has(version)
  return vim.fn.has("nvim-" .. version) == 1
end

--- The server command: opts.cmd, then slm-ls in a .venv of the working directory
--- (or above it), then slm-ls on PATH. Returns cmd, how it was found, and what was tried.
function M.find_cmd(opts)
  local tried = {}
  if opts.cmd then
    return opts.cmd, "setup{ cmd = ... }", tried
  end
  -- finddir(";") searches upward and works on every version (vim.fs is 0.8+).
  local venv = vim.fn.finddir(".venv", vim.fn.getcwd() .. ";")
  if venv ~= "" then
    local exe = vim.fn.fnamemodify(venv, ":p"):gsub("/$", "") .. "/bin/slm-ls"
    table.insert(tried, exe)
    if vim.fn.executable(exe) == 1 then
      return { exe, "serve" }, "the project's .venv", tried
    end
  end
  table.insert(tried, "slm-ls on PATH")
  if vim.fn.executable("slm-ls") == 1 then
    return { "slm-ls", "serve" }, "PATH", tried
  end
  return nil, nil, tried
end

local function root_for(opts, buf)
  local path = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ":p:h")
  for _, marker in ipairs(opts.root_markers) do
    local dir = vim.fn.finddir(marker, path .. ";")
    local file = dir == "" and vim.fn.findfile(marker, path .. ";") or dir
    if file ~= "" then
      return vim.fn.fnamemodify(file, ":p"):gsub("/$", ""):match("(.*)/")
    end
  end
  return vim.fn.getcwd()
end

--- The slm-ls client attached to `buf`, if any.
function M.client_for(buf)
  local attached = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = buf })
    or vim.lsp.buf_get_clients(buf)
  for _, client in pairs(attached) do
    if client.name == "slm_ls" then
      return client
    end
  end
end

local function on_attach(opts)
  return function(client, buf)
    vim.bo[buf].omnifunc = "v:lua.vim.lsp.omnifunc"
    require("slm_ls.ghost").attach(buf, client, opts)
    require("slm_ls.next_edit").attach(buf, opts)
  end
end

-- The key that applies the next edit (normal and insert mode); otherwise the key's
-- own meaning.
local function map_next_edit(opts)
  local lhs = opts.keys.next_edit
  if not lhs then
    return
  end
  vim.keymap.set({ "n", "i" }, lhs, function()
    if require("slm_ls.next_edit").pending() then
      vim.schedule(function() require("slm_ls.next_edit").accept() end)
      return ""
    end
    return vim.api.nvim_replace_termcodes(lhs, true, false, true)
  end, { expr = true, desc = "Apply the next edit slm-ls proposes" })
end

-- "Explain this (slm-ls)" runs the slm-ls.explain command; its result (Markdown) is
-- shown in a floating window. Declared in the client's capabilities so that the server
-- does not also send it as a message.
local capabilities = function()
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.experimental = vim.tbl_extend("force", caps.experimental or {}, {
    slmLsShowsExplanations = true,
  })
  return caps
end

function M.show_explanation(markdown)
  local lines = vim.split(markdown, "\n", { plain = true })
  vim.lsp.util.open_floating_preview(lines, "markdown", {
    border = "rounded",
    max_width = math.min(100, math.floor(vim.o.columns * 0.8)),
    focus_id = "slm_ls_explanation",
  })
end

local function explain_command(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client then
    return
  end
  local params = { command = command.command, arguments = command.arguments }
  local function done(err, result)
    if err then
      vim.notify("slm-ls: " .. (err.message or tostring(err)), vim.log.levels.WARN)
    elseif type(result) == "string" and result ~= "" then
      M.show_explanation(result)
    end
  end
  if has("0.11") then
    client:request("workspace/executeCommand", params, done, ctx.bufnr)
  else
    client.request("workspace/executeCommand", params, done, ctx.bufnr)
  end
end

-- Neovim 0.7-0.11: one client per root, attached to each buffer of a listed filetype.
local clients = {}
local function start_for_buffer(opts, cmd, buf)
  local root = root_for(opts, buf)
  if not clients[root] or vim.lsp.client_is_stopped(clients[root]) then
    clients[root] = vim.lsp.start_client({
      name = "slm_ls",
      cmd = cmd,
      root_dir = root,
      init_options = opts.settings,
      capabilities = capabilities(),
      on_attach = on_attach(opts),
    })
  end
  if clients[root] then
    vim.lsp.buf_attach_client(buf, clients[root])
  end
end

-- Where the person is before they type: the buffer and cursor, debounced, for the
-- server to prepare the suggestion there (not while typing: CursorMovedI is left out,
-- a keystroke asks for its own completion).
local cursor_timer = nil
local function report_cursor(opts)
  if cursor_timer then
    cursor_timer:stop()
  end
  cursor_timer = cursor_timer or (vim.uv or vim.loop).new_timer()
  cursor_timer:start(opts.cursor_debounce_ms, 0, vim.schedule_wrap(function()
    local buf = vim.api.nvim_get_current_buf()
    local client = M.client_for(buf)
    if not client then
      return
    end
    local params = vim.lsp.util.make_position_params(0, client.offset_encoding or "utf-16")
    if has("0.11") then
      client:notify("slm-ls/didChangeCursor", params)
    else
      client.notify("slm-ls/didChangeCursor", params)
    end
  end))
end

local function watch_cursor(opts)
  if not opts.warm then
    return
  end
  vim.api.nvim_create_autocmd({ "BufEnter", "CursorMoved", "InsertEnter", "BufWritePost" }, {
    group = vim.api.nvim_create_augroup("slm_ls_cursor", { clear = true }),
    callback = function()
      report_cursor(opts)
    end,
  })
end

local function map_fallback_keys(opts)
  local ghost = require("slm_ls.ghost")
  local function key(lhs, action, desc)
    if not lhs then
      return
    end
    vim.keymap.set("i", lhs, function()
      if ghost.visible() then
        vim.schedule(action)
        return ""
      end
      return vim.api.nvim_replace_termcodes(lhs, true, false, true)
    end, { expr = true, desc = desc })
  end
  key(opts.accept_key, function() ghost.accept() end, "Accept the slm-ls suggestion")
  key(opts.keys.accept_word, function() ghost.accept(ghost.word) end, "Accept a word")
  key(opts.keys.accept_line, function() ghost.accept(ghost.line) end, "Accept a line")
  key(opts.keys.dismiss, function() ghost.dismiss(vim.api.nvim_get_current_buf()) end, "Dismiss")
  for lhs, step in pairs({ [opts.keys.next or false] = 1, [opts.keys.previous or false] = -1 }) do
    if lhs then
      vim.keymap.set("i", lhs, function()
        local buf = vim.api.nvim_get_current_buf()
        local client = M.client_for(buf)
        if client then
          ghost.cycle(buf, client, step)
        end
      end, { desc = "slm-ls: another suggestion" })
    end
  end
end

--- Neovim 0.12: native inline completion cycles through the items it holds
--- (vim.lsp.inline_completion.select), but asks automatically, for one. The first
--- press asks for the candidates (an invoked request); the server then answers the
--- native request at this place with all of them, and the next one is selected.
local function map_native_cycle(opts)
  local asked = nil -- the place (buffer, changedtick, cursor) the candidates are for
  for lhs, step in pairs({ [opts.keys.next or false] = 1, [opts.keys.previous or false] = -1 }) do
    if lhs then
      vim.keymap.set("i", lhs, function()
        local buf = vim.api.nvim_get_current_buf()
        local cursor = vim.api.nvim_win_get_cursor(0)
        local place = table.concat({ buf, vim.api.nvim_buf_get_changedtick(buf), cursor[1], cursor[2] }, ":")
        local client = M.client_for(buf)
        if asked == place or not client then
          vim.lsp.inline_completion.select({ count = step })
          return
        end
        local params = vim.lsp.util.make_position_params(0, client.offset_encoding or "utf-16")
        params.context = { triggerKind = 1 } -- Invoked
        client:request("textDocument/inlineCompletion", params, function(err, result)
          local items = result and (result.items or result) or {}
          if err or #items < 2 then
            return
          end
          asked = place
          vim.api.nvim_exec_autocmds("CursorMovedI", { buffer = buf, modeline = false })
          vim.defer_fn(function()
            vim.lsp.inline_completion.select({ count = step })
          end, M.native_cycle_ms)
        end, buf)
      end, { desc = "slm-ls: another suggestion" })
    end
  end
end
M.native_cycle_ms = 500 -- native inline completion's 200 ms debounce and the answer

--- Neovim 0.12: a word or a line of the native suggestion (the rest stays for the
--- server's typing-through), told to the server like the plugin's own keys.
local function map_native_partial(opts)
  local ghost = require("slm_ls.ghost")
  for lhs, part in pairs({ [opts.keys.accept_word or false] = ghost.word,
    [opts.keys.accept_line or false] = ghost.line }) do
    if lhs then
      vim.keymap.set("i", lhs, function()
        local took = vim.lsp.inline_completion.get({
          on_accept = function(item) ghost.take_native(item, part) end,
        })
        return took and "" or vim.api.nvim_replace_termcodes(lhs, true, false, true)
      end, { expr = true, desc = "slm-ls: accept a part of the suggestion" })
    end
  end
end

function M.setup(user)
  local opts = vim.tbl_deep_extend("force", M.defaults, user or {})
  if vim.tbl_isempty(opts.settings or {}) then
    opts.settings = vim.empty_dict() -- else sent as [] (an empty Lua table is a list)
  end
  local cmd, found, tried = M.find_cmd(opts)
  M.state = { cmd = cmd, found = found, tried = tried, opts = opts }
  if not cmd then
    vim.notify(
      "slm-ls: server not found; tried " .. table.concat(tried, ", ")
        .. ". Pass setup{ cmd = { '/path/to/slm-ls', 'serve' } }.",
      vim.log.levels.ERROR
    )
    return
  end
  vim.lsp.commands["slm-ls.explain"] = explain_command
  vim.lsp.commands["slm-ls.nextEditAccepted"] = function() end
  watch_cursor(opts)
  map_next_edit(opts)
  if has("0.12") then
    M.state.path = "native inline completion (Neovim 0.12+)"
    vim.lsp.config("slm_ls", {
      cmd = cmd,
      filetypes = opts.filetypes,
      root_markers = opts.root_markers,
      init_options = opts.settings,
      capabilities = capabilities(),
    })
    vim.lsp.enable("slm_ls")
    vim.lsp.inline_completion.enable(true)
    vim.api.nvim_create_autocmd("LspAttach", {
      callback = function(args)
        local client = vim.lsp.get_client_by_id(args.data.client_id)
        if client and client.name == "slm_ls" then
          require("slm_ls.next_edit").attach(args.buf, opts)
        end
      end,
    })
    map_native_cycle(opts)
    map_native_partial(opts)
    if opts.accept_key then
      vim.keymap.set("i", opts.accept_key, function()
        if not vim.lsp.inline_completion.get() then
          return vim.api.nvim_replace_termcodes(opts.accept_key, true, false, true)
        end
      end, { expr = true, desc = "Accept the slm-ls suggestion" })
    end
  elseif has("0.7") then
    M.state.path = "ghost text drawn by the plugin, and omnifunc (Neovim 0.7-0.11)"
    map_fallback_keys(opts)
    vim.api.nvim_create_autocmd("FileType", {
      pattern = opts.filetypes,
      callback = function(args)
        start_for_buffer(opts, cmd, args.buf)
      end,
    })
  else
    M.state.path = "unsupported Neovim (< 0.7)"
    vim.notify("slm-ls: Neovim 0.7 or newer is needed", vim.log.levels.ERROR)
  end
end

return M
