-- A counter made by a function (a closure over its own variable), called n = 10,000,000 times.
local function make_counter()
    local count = 0
    return function()
        count = count + 1
        return count
    end
end

local function run(n)
    local next_value = make_counter()
    local last = 0
    for _ = 1, n do
        last = next_value()
    end
    return last
end

local n = tonumber(arg[1]) or 10000000
print(run(n))
