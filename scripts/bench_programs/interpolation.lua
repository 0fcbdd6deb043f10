-- Builds n = 500,000 lines by string interpolation into a list, joins them, prints the length.
local function run(n)
    local lines = {}
    for i = 0, n - 1 do
        lines[#lines + 1] = string.format("id=%d name=item-%d size=%d kb", i, i % 100, i * 3)
    end
    return #table.concat(lines, "\n")
end

local n = tonumber(arg[1]) or 500000
print(run(n))
