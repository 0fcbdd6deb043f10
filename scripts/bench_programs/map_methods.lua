-- Method calls on a table whose fields hold functions, called as `obj:method(x)`
-- n = 2,000,000 times each (add, then scale).
local function make_stats()
    local st = {count = 0, total = 0}
    function st:add(x)
        self.count = self.count + 1
        self.total = self.total + x
    end
    function st:scaled(x, k)
        return x * k % 1000
    end
    return st
end

local function run(n)
    local st = make_stats()
    for i = 0, n - 1 do
        st:add(st:scaled(i, 3))
    end
    return st.count, st.total
end

local n = tonumber(arg[1]) or 2000000
local count, total = run(n)
print(count .. " " .. total)
