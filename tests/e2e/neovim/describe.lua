-- Driven by tests/e2e/test_neovim.py: what the next-edit preview says of an edit
-- (slm_ls.next_edit.describe): a deletion as a deletion, inserted lines as lines.
local harness = dofile(debug.getinfo(1, "S").source:match("@(.*/)") .. "harness.lua")
vim.opt.rtp:prepend(assert(os.getenv("SLM_LS_PLUGIN")))
local describe = require("slm_ls.next_edit").describe

local function at(l1, c1, l2, c2, text)
  return { range = { start = { line = l1, character = c1 }, ["end"] = { line = l2, character = c2 } },
           text = text }
end
local line = "        self.width = 0"
local cases = {
  describe(line, at(3, #line, 3, #line, "\n        self.height = 0\n        self.depth = 0"), #line, #line),
  describe(line, at(3, 0, 4, 0, ""), 0, 0),
  describe(line, at(3, 0, 5, 0, ""), 0, 0),
  describe(line, at(3, 0, 3, 0, "        self.height = 0\n"), 0, 0),
  describe(line, at(3, 13, 3, 18, "depth"), 13, 18),
}
-- And shown in a buffer: an insertion as virtual lines, a deletion over whole lines.
local next_edit = require("slm_ls.next_edit")
next_edit.key = "<M-n>"
local buf = vim.api.nvim_get_current_buf()
vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "a", "b", "c", line, "d", "e" })
local client = { offset_encoding = "utf-16", notify = function() end }
local shown = {}
for _, edit in ipairs({
  at(3, #line, 3, #line, "\n        self.height = 0"),
  at(3, 0, 5, 0, ""),
}) do
  next_edit.show(buf, client, edit)
  local marks = vim.api.nvim_buf_get_extmarks(buf, next_edit.ns, 0, -1, { details = true })
  local details = marks[1][4]
  local virt = {}
  for _, chunk in ipairs(details.virt_text or {}) do
    table.insert(virt, chunk[1])
  end
  table.insert(shown, {
    row = marks[1][2],
    end_row = details.end_row or marks[1][2],
    lines = #(details.virt_lines or {}),
    text = table.concat(virt, ""),
  })
end
table.insert(cases, shown)
local encode = vim.json and vim.json.encode or vim.fn.json_encode
harness.finish(encode(cases))
