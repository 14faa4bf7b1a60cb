-- :checkhealth slm_ls
local M = {}

function M.check()
  local health = vim.health
  local slm = require("slm_ls")
  health.start("slm-ls")
  local state = slm.state
  if not state.opts then
    health.warn("setup() has not been called: require('slm_ls').setup{}")
    return
  end
  if state.cmd then
    health.ok("server: " .. table.concat(state.cmd, " ") .. " (found via " .. state.found .. ")")
  else
    health.error("server not found; tried: " .. table.concat(state.tried, ", "))
  end
  health.info("Neovim " .. tostring(vim.version()) .. ": " .. (state.path or "?"))
  local model = state.opts.settings.model or "the server's default (qwen2.5-coder-0.5b)"
  health.info("model: " .. model)
  local clients = (vim.lsp.get_clients or vim.lsp.get_active_clients)({ name = "slm_ls" })
  if #clients > 0 then
    health.ok("running: " .. #clients .. " client(s)")
  else
    health.info("not running yet (it starts with the first buffer of a listed filetype)")
  end
end

return M
