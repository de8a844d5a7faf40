--[[ Runs the folio command and reads its answer. Lightroom's LrTasks.execute gives only an
exit status, so the answer goes to a temporary file, read back and decoded; the last line of
what folio said on stderr is the reason when there is no answer. Credentials never pass
through here: Folio keeps them in the system's keychain. ]]

local LrFileUtils = import 'LrFileUtils'
local LrPathUtils = import 'LrPathUtils'
local LrTasks = import 'LrTasks'

local FolioJson = require 'FolioJson'

local FolioCommand = {}

-- A command that dies before it starts (macOS has lost child processes this way) printed
-- nothing at all: it is run again, since every command the plug-in runs can safely be.
local TRIES = 3

local function isFile(path)
	return path ~= nil and path ~= '' and LrFileUtils.exists(path) == 'file'
end

--- Where folio may be, most specific first: the service settings, FOLIO_BIN, the command that
-- wrote this plug-in, the app's usual places, then the PATH.
function FolioCommand.candidates(settings)
	local list = {}
	local function add(path)
		if path and path ~= '' then list[#list + 1] = path end
	end
	add(settings and settings.folioPath)
	add(os.getenv('FOLIO_BIN'))
	local found, location = pcall(require, 'FolioLocation')
	if found and type(location) == 'table' then add(location.folio) end
	local exe = WIN_ENV and 'folio.exe' or 'folio'
	if MAC_ENV then
		local home = LrPathUtils.getStandardFilePath('home')
		add('/Applications/Folio.app/Contents/MacOS/folio')
		add(LrPathUtils.child(home, 'Applications/Folio.app/Contents/MacOS/folio'))
		add('/opt/homebrew/bin/folio')
		add('/usr/local/bin/folio')
	elseif WIN_ENV then
		local appData = os.getenv('LOCALAPPDATA')
		local programs = os.getenv('ProgramFiles')
		if appData then add(LrPathUtils.child(LrPathUtils.child(appData, 'Folio'), exe)) end
		if programs then add(LrPathUtils.child(LrPathUtils.child(programs, 'Folio'), exe)) end
	else
		add('/usr/bin/folio')
		add('/usr/local/bin/folio')
	end
	local separator = WIN_ENV and ';' or ':'
	for dir in string.gmatch(os.getenv('PATH') or '', '[^' .. separator .. ']+') do
		add(LrPathUtils.child(dir, exe))
	end
	return list
end

--- The folio command to run, or nil.
function FolioCommand.find(settings)
	for _, path in ipairs(FolioCommand.candidates(settings)) do
		if isFile(path) then return path end
	end
	return nil
end

--- One argument as the shell reads it back unchanged.
function FolioCommand.quote(arg)
	arg = tostring(arg)
	if WIN_ENV then
		-- Windows file names cannot hold a double quote.
		return '"' .. arg .. '"'
	end
	return "'" .. arg:gsub("'", "'\\''") .. "'"
end

local counter = 0

local function scratch()
	counter = counter + 1
	local name = string.format('folio-%d-%d-%d', os.time(), counter, math.random(1, 1000000))
	return LrPathUtils.child(LrPathUtils.getStandardFilePath('temp'), name)
end

local function readAndDelete(path)
	if not isFile(path) then return '' end
	local text = LrFileUtils.readFile(path) or ''
	LrFileUtils.delete(path)
	return text
end

local function lastLine(text)
	local last
	for line in string.gmatch(text or '', '[^\r\n]+') do
		if line:match('%S') then last = line end
	end
	return last and (last:gsub('^folio: ', ''))
end

--- Runs `folio ARGS…` with the service's data folder. Returns what it printed on stdout,
-- what it said last on stderr, and its exit status (0 when it succeeded).
function FolioCommand.execute(settings, args)
	local folio = FolioCommand.find(settings)
	if not folio then
		return nil, 'the folio command was not found: install Folio, or give its path in the '
			.. "Folio service's settings"
	end
	local parts = { FolioCommand.quote(folio) }
	local dataDir = settings and settings.folioDataDir
	if dataDir and dataDir ~= '' then
		parts[#parts + 1] = '--data-dir'
		parts[#parts + 1] = FolioCommand.quote(dataDir)
	end
	for _, arg in ipairs(args) do
		parts[#parts + 1] = FolioCommand.quote(arg)
	end
	local base = scratch()
	local out, err = base .. '.out', base .. '.err'
	local line = table.concat(parts, ' ') .. ' > ' .. FolioCommand.quote(out) .. ' 2> '
		.. FolioCommand.quote(err)
	if WIN_ENV then
		-- cmd.exe /c takes off one pair of quotes around the whole line.
		line = '"' .. line .. '"'
	end
	local status, stdout, stderr
	for _ = 1, TRIES do
		status = LrTasks.execute(line)
		stdout, stderr = readAndDelete(out), readAndDelete(err)
		if status == 0 or stdout ~= '' or stderr ~= '' then break end
	end
	return stdout, lastLine(stderr) or ('folio stopped with status ' .. tostring(status)), status
end

--- Runs a folio command that answers in JSON (its --json). Returns the decoded answer, or nil
-- and why there is none. A command that found some photos failed still answers (exit 1).
function FolioCommand.run(settings, args)
	local stdout, said = FolioCommand.execute(settings, args)
	if not stdout then return nil, said end
	local ok, answer = pcall(FolioJson.decode, stdout)
	if ok and type(answer) == 'table' then return answer end
	return nil, said
end

--- Runs a folio command for its effect. Returns true, or false and why not.
function FolioCommand.succeeds(settings, args)
	local stdout, said, status = FolioCommand.execute(settings, args)
	if stdout and status == 0 then return true end
	return false, said
end

return FolioCommand
