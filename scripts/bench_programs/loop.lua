-- A counted loop with integer arithmetic (n = arg[1], default 10,000,000 iterations).
local function run(n)
    local total = 0
    for i = 0, n - 1 do
        total = (total + i * i + 7) % 1000000007
    end
    return total
end

local n = tonumber(arg[1]) or 10000000
print(run(n))
