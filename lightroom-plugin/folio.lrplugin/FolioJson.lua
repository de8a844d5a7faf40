--[[ A JSON decoder in plain Lua 5.1: Lightroom has no JSON module, and the folio command
answers in JSON. Objects become tables with string keys, arrays tables indexed from 1, null
becomes nil (Folio never puts null inside an array), numbers Lua numbers. Anything that is not
JSON is an error, so a half-written answer is never taken for a whole one. ]]

local FolioJson = {}

local escapes = {
	['"'] = '"', ['\\'] = '\\', ['/'] = '/',
	b = '\b', f = '\f', n = '\n', r = '\r', t = '\t',
}

-- Nesting this deep is not an answer from Folio: refused rather than run out of stack.
local MAX_DEPTH = 64

local function fail(at, what)
	error(string.format('not JSON: %s at character %d', what, at), 0)
end

local function skip(s, i)
	return s:find('[^ \t\r\n]', i) or #s + 1
end

local function utf8(code)
	if code < 0x80 then
		return string.char(code)
	elseif code < 0x800 then
		return string.char(0xC0 + math.floor(code / 0x40), 0x80 + code % 0x40)
	elseif code < 0x10000 then
		return string.char(0xE0 + math.floor(code / 0x1000),
			0x80 + math.floor(code / 0x40) % 0x40, 0x80 + code % 0x40)
	end
	return string.char(0xF0 + math.floor(code / 0x40000), 0x80 + math.floor(code / 0x1000) % 0x40,
		0x80 + math.floor(code / 0x40) % 0x40, 0x80 + code % 0x40)
end

local function decodeString(s, i)
	local parts, j = {}, i + 1
	while true do
		local k = s:find('["\\]', j)
		if not k then fail(i, 'a string that never ends') end
		parts[#parts + 1] = s:sub(j, k - 1)
		if s:sub(k, k) == '"' then
			return table.concat(parts), k + 1
		end
		local e = s:sub(k + 1, k + 1)
		if e == 'u' then
			local hex = s:sub(k + 2, k + 5)
			if not hex:match('^%x%x%x%x$') then fail(k, 'a bad \\u escape') end
			local code, after = tonumber(hex, 16), k + 6
			-- Characters beyond the first 65,536 come as a pair of surrogates.
			local low = code >= 0xD800 and code <= 0xDBFF and s:match('^\\u(%x%x%x%x)', after)
			local second = low and tonumber(low, 16)
			if second and second >= 0xDC00 and second <= 0xDFFF then
				code = 0x10000 + (code - 0xD800) * 0x400 + (second - 0xDC00)
				after = after + 6
			end
			parts[#parts + 1] = utf8(code)
			j = after
		elseif escapes[e] then
			parts[#parts + 1] = escapes[e]
			j = k + 2
		else
			fail(k, 'a bad escape')
		end
	end
end

local decodeValue

local function decodeArray(s, i, depth)
	local list, n = {}, 0
	i = skip(s, i + 1)
	if s:sub(i, i) == ']' then return list, i + 1 end
	while true do
		local value
		value, i = decodeValue(s, i, depth)
		n = n + 1
		list[n] = value
		i = skip(s, i)
		local c = s:sub(i, i)
		if c == ']' then return list, i + 1 end
		if c ~= ',' then fail(i, "',' or ']' expected") end
		i = skip(s, i + 1)
	end
end

local function decodeObject(s, i, depth)
	local object = {}
	i = skip(s, i + 1)
	if s:sub(i, i) == '}' then return object, i + 1 end
	while true do
		if s:sub(i, i) ~= '"' then fail(i, 'a name expected') end
		local key
		key, i = decodeString(s, i)
		i = skip(s, i)
		if s:sub(i, i) ~= ':' then fail(i, "':' expected") end
		local value
		value, i = decodeValue(s, skip(s, i + 1), depth)
		object[key] = value
		i = skip(s, i)
		local c = s:sub(i, i)
		if c == '}' then return object, i + 1 end
		if c ~= ',' then fail(i, "',' or '}' expected") end
		i = skip(s, i + 1)
	end
end

function decodeValue(s, i, depth)
	if depth > MAX_DEPTH then fail(i, 'nesting too deep') end
	local c = s:sub(i, i)
	if c == '{' then return decodeObject(s, i, depth + 1) end
	if c == '[' then return decodeArray(s, i, depth + 1) end
	if c == '"' then return decodeString(s, i) end
	if s:sub(i, i + 3) == 'true' then return true, i + 4 end
	if s:sub(i, i + 4) == 'false' then return false, i + 5 end
	if s:sub(i, i + 3) == 'null' then return nil, i + 4 end
	local number = s:match('^-?%d+%.?%d*[eE]?[-+]?%d*', i)
	local value = number and tonumber(number)
	if not value then fail(i, 'a value expected') end
	return value, i + #number
end

--- The value `text` holds; an error (a string) when it is not exactly one JSON value.
function FolioJson.decode(text)
	if type(text) ~= 'string' then fail(1, 'no text') end
	local value, i = decodeValue(text, skip(text, 1), 0)
	i = skip(text, i)
	if i <= #text then fail(i, 'more after the value') end
	return value
end

return FolioJson
