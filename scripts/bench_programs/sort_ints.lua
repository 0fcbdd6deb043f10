-- Appends n = 1,000,000 pseudo-random ints (an LCG, the same sequence in every language)
-- to a list, sorts it, and prints the smallest, the median and the largest.
local function run(n)
    local xs = {}
    local x = 12345
    for i = 1, n do
        x = (x * 1103515245 + 12345) % 2147483648
        xs[i] = x
    end
    table.sort(xs)
    return xs[1], xs[n // 2 + 1], xs[n]
end

local n = tonumber(arg[1]) or 1000000
local low, mid, high = run(n)
print(low .. " " .. mid .. " " .. high)
