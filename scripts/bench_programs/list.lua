-- Builds a list of n = 1,000,000 ints by appending in a loop (`xs[#xs + 1] = x`), then sums it.
local function run(n)
    local xs = {}
    for i = 0, n - 1 do
        xs[#xs + 1] = i * 2
    end
    local total = 0
    for _, x in ipairs(xs) do
        total = total + x
    end
    return #xs, total
end

local n = tonumber(arg[1]) or 1000000
local count, total = run(n)
print(count .. " " .. total)
