-- slm-ls for Neovim: one setup{}.
--   Neovim 0.12+: native inline completion (ghost text), <Tab> accepts.
--   Neovim 0.8-0.11: completion items through omnifunc (<C-x><C-o>, or nvim-cmp's
--   LSP source).
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
  local venvs = vim.fs.find(".venv", { upward = true, type = "directory", path = vim.fn.getcwd() })
  for _, venv in ipairs(venvs) do
    local exe = venv .. "/bin/slm-ls"
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

local function start_for_buffer(opts, cmd, buf)
  local root = vim.fs.find(opts.root_markers, { upward = true, path = vim.api.nvim_buf_get_name(buf) })[1]
  vim.lsp.start({
    name = "slm_ls",
    cmd = cmd,
    root_dir = root and vim.fs.dirname(root) or vim.fn.getcwd(),
    init_options = opts.settings,
  }, { bufnr = buf })
  vim.bo[buf].omnifunc = "v:lua.vim.lsp.omnifunc"
end

function M.setup(user)
  local opts = vim.tbl_deep_extend("force", M.defaults, user or {})
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
  if has("0.12") then
    M.state.path = "native inline completion (Neovim 0.12+)"
    vim.lsp.config("slm_ls", {
      cmd = cmd,
      filetypes = opts.filetypes,
      root_markers = opts.root_markers,
      init_options = opts.settings,
    })
    vim.lsp.enable("slm_ls")
    vim.lsp.inline_completion.enable(true)
    if opts.accept_key then
      vim.keymap.set("i", opts.accept_key, function()
        if not vim.lsp.inline_completion.get() then
          return vim.api.nvim_replace_termcodes(opts.accept_key, true, false, true)
        end
      end, { expr = true, desc = "Accept the slm-ls suggestion" })
    end
  elseif has("0.8") then
    M.state.path = "completion items through omnifunc (Neovim 0.8-0.11)"
    vim.api.nvim_create_autocmd("FileType", {
      pattern = opts.filetypes,
      callback = function(args)
        start_for_buffer(opts, cmd, args.buf)
      end,
    })
  else
    M.state.path = "unsupported Neovim (< 0.8)"
    vim.notify("slm-ls: Neovim 0.8 or newer is needed", vim.log.levels.ERROR)
  end
end

return M
