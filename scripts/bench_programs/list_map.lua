-- Builds a list of n = 1,000,000 ints by mapping a function over 0..n-1, then sums it.
-- (Lua has no map: the helper below is the usual hand-written one.)
local function map_range(n, f)
    local out = {}
    for i = 0, n - 1 do
        out[i + 1] = f(i)
    end
    return out
end

local function run(n)
    local xs = map_range(n, function(i) return i * 2 end)
    local total = 0
    for _, x in ipairs(xs) do
        total = total + x
    end
    return #xs, total
end

local n = tonumber(arg[1]) or 1000000
local count, total = run(n)
print(count .. " " .. total)
