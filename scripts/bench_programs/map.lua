-- Builds a map of n = 1,000,000 entries (string keys) in a loop, then reads every entry back.
local function run(n)
    local m = {}
    local size = 0
    for i = 0, n - 1 do
        m["k" .. i] = i
    end
    for _ in pairs(m) do
        size = size + 1
    end
    local total = 0
    for i = 0, n - 1 do
        total = total + m["k" .. i]
    end
    return size, total
end

local n = tonumber(arg[1]) or 1000000
local size, total = run(n)
print(size .. " " .. total)
