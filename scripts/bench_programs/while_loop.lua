-- A `while` loop of n = 10,000,000 iterations: `s = s + i % 7`.
local function run(n)
    local s = 0
    local i = 0
    while i < n do
        s = s + i % 7
        i = i + 1
    end
    return s
end

local n = tonumber(arg[1]) or 10000000
print(run(n))
