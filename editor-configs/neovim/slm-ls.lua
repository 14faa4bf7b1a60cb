-- Neovim >= 0.12: slm-ls with native inline completion (ghost text).
-- Put this file in ~/.config/nvim/plugin/ or require it from init.lua.
vim.lsp.config("slm_ls", {
  cmd = { "slm-ls", "serve" },
  filetypes = { "python", "javascript", "typescript", "go", "rust", "c", "cpp", "java", "ruby", "sh", "lua" },
  root_markers = { ".git" },
  init_options = {
    model = "qwen2.5-coder-0.5b",
    completion = { maxTokens = 64, deadlineMs = 3000 },
  },
})
vim.lsp.enable("slm_ls")
vim.lsp.inline_completion.enable(true)
-- Accept with <Tab> when a suggestion is shown.
vim.keymap.set("i", "<Tab>", function()
  if not vim.lsp.inline_completion.get() then
    return "<Tab>"
  end
end, { expr = true, desc = "Accept slm-ls inline completion" })
