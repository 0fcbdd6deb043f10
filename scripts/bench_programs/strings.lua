-- Appends n = 500,000 pieces to one string, splits it, and joins the pieces again.
-- Lua's strings are immutable and `s = s .. piece` copies s every time, so the idiom
-- for building a string is a buffer of pieces and table.concat; Lua has no split, so
-- the usual string.find loop does it.
local function split(s, sep)
    local parts = {}
    local start = 1
    while true do
        local at = string.find(s, sep, start, true)
        if not at then
            parts[#parts + 1] = string.sub(s, start)
            return parts
        end
        parts[#parts + 1] = string.sub(s, start, at - 1)
        start = at + 1
    end
end

local function run(n)
    local buffer = {}
    for i = 0, n - 1 do
        buffer[#buffer + 1] = "item" .. tostring(i) .. ","
    end
    local s = table.concat(buffer)
    local parts = split(s, ",")
    local back = table.concat(parts, ";")
    return #parts, #back
end

local n = tonumber(arg[1]) or 500000
local count, size = run(n)
print(count .. " " .. size)
