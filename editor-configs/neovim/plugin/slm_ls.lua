-- slm-ls does nothing until require("slm_ls").setup{} is called (see README.md).
vim.api.nvim_create_user_command("SlmLsInfo", function()
  vim.cmd("checkhealth slm_ls")
end, { desc = "slm-ls: server, model and Neovim path" })
