--[[ Stand-ins for the Lightroom modules and objects the plug-in uses, so its logic runs under
plain lua5.1. They do what Lightroom is documented to do (see the SDK facts in the project's
notes) and record every call the plug-in makes of Lightroom: a test then checks what was
recorded (recordPublishedPhotoId, uploadFailed, setEditedFlag, deletedCallback, …). Calls
Lightroom refuses are refused here too: a URL before its id, a catalog write outside
withWriteAccessDo. ]]

local Lr = { calls = {}, writing = false }

local function record(entry)
	Lr.calls[#Lr.calls + 1] = entry
end

function Lr.reset()
	Lr.calls = {}
end

--- The recorded calls named `what`, for `photo` when given.
function Lr.called(what, photo)
	local found = {}
	for _, call in ipairs(Lr.calls) do
		if call.what == what and (photo == nil or call.photo == photo) then
			found[#found + 1] = call
		end
	end
	return found
end

local function sh(command)
	local pipe = io.popen(command)
	local out = pipe:read('*a')
	pipe:close()
	return out
end

local function q(s)
	return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
Lr.sh, Lr.q = sh, q

local scratch = os.getenv('FOLIO_LR_TMP') or sh('mktemp -d'):gsub('%s+$', '')
os.execute('mkdir -p ' .. q(scratch .. '/temp') .. ' ' .. q(scratch .. '/home'))
Lr.scratch = scratch

local folders = {
	temp = scratch .. '/temp',
	home = scratch .. '/home',
	pictures = scratch .. '/home/Pictures',
}

local LrPathUtils = {}
function LrPathUtils.child(dir, name)
	if dir:sub(-1) == '/' then return dir .. name end
	return dir .. '/' .. name
end
function LrPathUtils.parent(path)
	return path:match('^(.*)/[^/]*$')
end
function LrPathUtils.leafName(path)
	return path:match('[^/]*$')
end
function LrPathUtils.extension(path)
	return path:match('%.([^./]*)$') or ''
end
function LrPathUtils.removeExtension(path)
	return (path:gsub('%.[^./]*$', ''))
end
function LrPathUtils.getStandardFilePath(which)
	return assert(folders[which], 'no standard folder ' .. tostring(which))
end

local LrFileUtils = {}
function LrFileUtils.exists(path)
	if os.execute('test -d ' .. q(path)) == 0 then return 'directory' end
	if os.execute('test -f ' .. q(path)) == 0 then return 'file' end
	return false
end
function LrFileUtils.readFile(path)
	local f = assert(io.open(path, 'rb'))
	local text = f:read('*a')
	f:close()
	return text
end
function LrFileUtils.delete(path)
	return os.remove(path) ~= nil
end
function LrFileUtils.move(from, to)
	return os.rename(from, to) ~= nil
end
function LrFileUtils.copy(from, to)
	return os.execute('cp ' .. q(from) .. ' ' .. q(to)) == 0
end
function LrFileUtils.createAllDirectories(path)
	return os.execute('mkdir -p ' .. q(path)) == 0
end

local LrTasks = {}
-- Lightroom gives the command's exit status, as the C library's system() does.
LrTasks.execute = os.execute
LrTasks.pcall = pcall
function LrTasks.startAsyncTask(work)
	work()
end
function LrTasks.sleep() end
function LrTasks.yield() end

local LrDialogs = {}
function LrDialogs.message(title, text, kind)
	record { what = 'message', title = title, text = text, kind = kind }
end
function LrDialogs.runOpenPanel()
	return nil
end

local LrView = {}
function LrView.bind(key)
	return { bind = key }
end
function LrView.share(key)
	return { share = key }
end

--- A view factory that builds plain tables, enough to look at the dialog's layout.
function Lr.viewFactory()
	return setmetatable({}, {
		__index = function(_, kind)
			return function(_, properties)
				properties = properties or {}
				properties.kind = kind
				return properties
			end
		end,
	})
end

Lr.catalog = { services = {} }

function Lr.catalog:withWriteAccessDo(_, work)
	assert(not Lr.writing, 'withWriteAccessDo inside withWriteAccessDo')
	Lr.writing = true
	local ok, e = pcall(work)
	Lr.writing = false
	if not ok then error(e, 0) end
end

function Lr.catalog:getPublishServices(pluginId)
	assert(pluginId == _PLUGIN.id, 'publish services of another plug-in asked for')
	return self.services
end

function Lr.catalog:getPublishedCollectionByLocalIdentifier(id)
	for _, service in ipairs(self.services) do
		for _, collection in ipairs(service:getChildCollections()) do
			if collection.localIdentifier == id then return collection end
		end
	end
	return nil
end

local LrApplication = {}
function LrApplication.activeCatalog()
	return Lr.catalog
end

local modules = {
	LrApplication = LrApplication,
	LrDialogs = LrDialogs,
	LrFileUtils = LrFileUtils,
	LrPathUtils = LrPathUtils,
	LrTasks = LrTasks,
	LrView = LrView,
}

function import(name)
	return modules[name] or error('the plug-in imports ' .. name .. ', which has no stand-in', 2)
end
MAC_ENV = false
WIN_ENV = false
_PLUGIN = { id = 'app.folio.lightroom' }

--- A photo of the catalog: `fileName` as Lightroom shows it, `id` its localIdentifier, and
-- `source` the picture its render is made of.
function Lr.photo(t)
	local photo = { localIdentifier = t.id, fileName = t.fileName, source = t.source }
	function photo:getFormattedMetadata(key)
		if key == 'fileName' then return self.fileName end
		return nil
	end
	function photo:getRawMetadata(key)
		if key == 'isVirtualCopy' then return t.virtualCopy == true end
		return nil
	end
	return photo
end

--- A published photo, as the catalog keeps it after a publish.
function Lr.publishedPhoto(photo, remoteId, url)
	local published = { photo = photo, remoteId = remoteId, url = url, edited = false }
	function published:getPhoto() return self.photo end
	function published:getRemoteId() return self.remoteId end
	function published:getRemoteUrl() return self.url end
	function published:getEditedFlag() return self.edited end
	function published:setEditedFlag(flag)
		assert(Lr.writing, 'setEditedFlag outside catalog:withWriteAccessDo')
		record { what = 'setEditedFlag', photo = self.photo, flag = flag }
		self.edited = flag
	end
	function published:setRemoteUrl(newUrl)
		assert(Lr.writing, 'setRemoteUrl outside catalog:withWriteAccessDo')
		record { what = 'setRemoteUrl', photo = self.photo, url = newUrl }
		self.url = newUrl
	end
	return published
end

function Lr.collection(t)
	local collection = { name = t.name, localIdentifier = t.id, published = {} }
	function collection:getName() return self.name end
	function collection:getRemoteId() return self.remoteId end
	function collection:getPublishedPhotos() return self.published end
	--- The published photo of `photo`, if it has one.
	function collection:publishedOf(photo)
		for _, published in ipairs(self.published) do
			if published.photo == photo then return published end
		end
		return nil
	end
	return collection
end

function Lr.service(settings, collections)
	local service = {}
	function service:getPublishSettings() return settings end
	function service:getChildCollections() return collections end
	function service:getChildCollectionSets() return {} end
	return service
end

--- What the comments refresh is given for a collection's published photos.
function Lr.photoInfos(collection)
	local infos = {}
	for _, published in ipairs(collection.published) do
		infos[#infos + 1] = {
			photo = published.photo, publishedPhoto = published, remoteId = published.remoteId,
			url = published.url, commentCount = 0,
		}
	end
	return infos
end

--- An export session publishing `items` ({ photo, publishedPhotoId }) to `collection`.
-- Renders are copies of each photo's source, named as Lightroom names them: the photo's file
-- name (unique within the session, as Lightroom makes it), in a temporary folder.
function Lr.exportContext(settings, collection, items)
	local dir = sh('mktemp -d -p ' .. q(folders.temp)):gsub('%s+$', '')
	local used, renditions = {}, {}
	for i, item in ipairs(items) do
		local photo = item.photo
		local r = { photo = photo, publishedPhotoId = item.publishedPhotoId }
		function r:waitForRender()
			local stem = LrPathUtils.removeExtension(photo.fileName)
			local name = stem .. '.' .. LrPathUtils.extension(photo.source)
			local n = 2
			while used[name] do
				name = stem .. '-' .. n .. '.' .. LrPathUtils.extension(photo.source)
				n = n + 1
			end
			used[name] = true
			local path = dir .. '/' .. name
			assert(LrFileUtils.copy(photo.source, path), 'render ' .. path)
			return true, path
		end
		function r:recordPublishedPhotoId(id)
			record { what = 'recordPublishedPhotoId', photo = photo, id = id }
			self.recordedId = id
		end
		function r:recordPublishedPhotoUrl(url)
			assert(self.recordedId, 'recordPublishedPhotoUrl: must be called after recordPublishedPhotoId')
			record { what = 'recordPublishedPhotoUrl', photo = photo, url = url }
			self.recordedUrl = url
		end
		function r:uploadFailed(message)
			record { what = 'uploadFailed', photo = photo, message = message }
		end
		renditions[i] = r
	end
	local session = {}
	function session:countRenditions() return #renditions end
	function session:recordRemoteCollectionId(id)
		record { what = 'recordRemoteCollectionId', id = id }
		collection.remoteId = id
	end
	function session:recordRemoteCollectionUrl() end
	local progress = {}
	function progress:isCanceled() return false end
	function progress:setPortionComplete() end
	local context = { exportSession = session, propertyTable = settings, publishedCollection = collection }
	function context:configureProgress() return progress end
	function context:renditions()
		local i = 0
		return function()
			i = i + 1
			if renditions[i] then return i, renditions[i] end
		end
	end
	return context, renditions
end

--- What Lightroom keeps once a publish is over: each photo recorded as published (a photo
-- published again is up to date again).
function Lr.afterPublish(collection, renditions)
	for _, r in ipairs(renditions) do
		if r.recordedId then
			local published = collection:publishedOf(r.photo)
			if published then
				published.remoteId, published.url, published.edited = r.recordedId, r.recordedUrl, false
			else
				table.insert(collection.published, Lr.publishedPhoto(r.photo, r.recordedId, r.recordedUrl))
			end
		end
	end
end

return Lr
