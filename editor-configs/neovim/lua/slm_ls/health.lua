-- :checkhealth slm_ls
local M = {}

-- vim.health is 0.8+ (0.10 names); 0.7 has require("health").report_*.
local function reporter()
  local h = vim.health or require("health")
  return {
    start = h.start or h.report_start,
    ok = h.ok or h.report_ok,
    warn = h.warn or h.report_warn,
    error = h.error or h.report_error,
    info = h.info or h.report_info,
  }
end

function M.check()
  local health = reporter()
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
  local v = vim.version()
  local version = string.format("%d.%d.%d", v.major, v.minor, v.patch) -- 0.7's is a table
  health.info("Neovim " .. version .. ": " .. (state.path or "?"))
  local model = state.opts.settings.model or 'the server\'s default ("auto": chosen for this machine)'
  health.info("model: " .. model)
  local clients = vim.tbl_filter(function(client)
    return client.name == "slm_ls"
  end, (vim.lsp.get_clients or vim.lsp.get_active_clients)())
  if #clients > 0 then
    health.ok("running: " .. #clients .. " client(s)")
    M.report_choice(health, clients[1])
  else
    health.info("not running yet (it starts with the first buffer of a listed filetype)")
  end
end

-- Model "auto": what the server chose on this machine, why, what it measured, and a
-- better model that is not on disk (with the command; nothing is pulled unasked).
function M.report_choice(health, client)
  local ok, reply
  if vim.fn.has("nvim-0.11") == 1 then -- a method since 0.11
    ok, reply = pcall(client.request_sync, client, "slmls/stats", {}, 5000, 0)
  else
    ok, reply = pcall(client.request_sync, "slmls/stats", {}, 5000, 0)
  end
  if not ok or not reply or reply.err or not reply.result then
    health.warn("the server's choice is not known yet (slmls/stats did not answer)")
    return
  end
  local auto = reply.result.auto or {}
  if auto.reason then
    health.info(auto.reason)
  end
  for _, m in ipairs(auto.measured or {}) do
    health.info(string.format("measured %s: prompt %s tokens/s, generation %s tokens/s", m.model, m.promptShort, m.decode))
  end
  if auto.better and auto.better ~= vim.NIL then
    health.warn(auto.better .. " would suggest more on this machine; it is not on disk", { auto.pull })
  end
end

return M
