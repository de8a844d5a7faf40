--[[ Refresh from Folio: what the sites really have, told to Lightroom. A published photo whose
copy a site lost, that a site refused, or that is no longer in its Folio album is marked
"Modified Photos to Re-Publish"; a changed URL is recorded. A photo whose copies are all
there is left exactly as it is: nothing is marked or written for it. Runs from the Library
menu (Plug-in Extras) and from the Comments panel's refresh, which Lightroom also runs after
each publish. ]]

local LrApplication = import 'LrApplication'

local FolioCommand = require 'FolioCommand'
local FolioPublish = require 'FolioPublish'

local FolioRefresh = {}

-- Photos asked about at once.
local STEP = 100

--- What Folio's answer about one photo means for Lightroom: whether it is to be published
-- again, and its new URL when "View on site" must change.
function FolioRefresh.verdict(entry, recordedUrl)
	local modified = entry.state == 'missing' or entry.state == 'failed'
		or entry.state == 'removed' or entry.changed == true
	local url = FolioPublish.firstUrl(entry.sites)
	if url == recordedUrl then url = nil end
	return modified, url
end

--- Checks `photos` (each { publishedPhoto, remoteId, url }) of the album at `root` with Folio
-- and records what changed. Returns how many were marked and how many URLs changed.
function FolioRefresh.refreshAlbum(settings, root, photos, catalog)
	local byId, ids = {}, {}
	for _, photo in ipairs(photos) do
		if photo.remoteId and photo.remoteId ~= '' then
			local id = tostring(photo.remoteId)
			byId[id] = photo
			ids[#ids + 1] = id
		end
	end
	local changes = {}
	for first = 1, #ids, STEP do
		local args = { 'photos', '--album', root, '--json' }
		for k = first, math.min(first + STEP - 1, #ids) do
			args[#args + 1] = ids[k]
		end
		local answer, why = FolioCommand.run(settings, args)
		if not answer then error('Folio could not say where the photos of ' .. root .. ' stand: ' .. why, 0) end
		for _, entry in ipairs(answer.photos or {}) do
			local photo = entry.id and byId[tostring(entry.id)]
			if photo then
				local modified, url = FolioRefresh.verdict(entry, photo.url)
				if modified and photo.publishedPhoto:getEditedFlag() then modified = false end
				if modified or url then
					changes[#changes + 1] = { photo = photo, modified = modified, url = url }
				end
			end
		end
	end
	local marked, moved = 0, 0
	if #changes > 0 then
		catalog:withWriteAccessDo('Refresh from Folio', function()
			for _, change in ipairs(changes) do
				if change.modified then
					change.photo.publishedPhoto:setEditedFlag(true)
					marked = marked + 1
				end
				if change.url then
					change.photo.publishedPhoto:setRemoteUrl(change.url)
					moved = moved + 1
				end
			end
		end, { timeout = 30 })
	end
	return marked, moved
end

local function eachCollection(parent, visit)
	for _, collection in ipairs(parent:getChildCollections() or {}) do
		visit(collection)
	end
	for _, set in ipairs(parent:getChildCollectionSets() or {}) do
		eachCollection(set, visit)
	end
end

--- Every published collection of this plug-in's services that has a Folio album, with the
-- service's settings.
local function albums(catalog)
	local found = {}
	for _, service in ipairs(catalog:getPublishServices(_PLUGIN.id) or {}) do
		local settings = service:getPublishSettings()
		eachCollection(service, function(collection)
			local root = collection:getRemoteId()
			if root and root ~= '' then
				found[#found + 1] = { settings = settings, root = root, collection = collection }
			end
		end)
	end
	return found
end

--- The menu's Refresh: every Folio album of the catalog. Returns the photos looked at, marked
-- and given a new URL.
function FolioRefresh.refreshCatalog(catalog)
	local looked, marked, moved = 0, 0, 0
	for _, album in ipairs(albums(catalog)) do
		local photos = {}
		for _, published in ipairs(album.collection:getPublishedPhotos() or {}) do
			photos[#photos + 1] = {
				publishedPhoto = published,
				remoteId = published:getRemoteId(),
				url = published:getRemoteUrl(),
			}
		end
		local m, u = FolioRefresh.refreshAlbum(album.settings, album.root, photos, catalog)
		looked, marked, moved = looked + #photos, marked + m, moved + u
	end
	return looked, marked, moved
end

--- Lightroom's getCommentsFromPublishedCollection: Folio keeps no comments, but this is the
-- refresh Lightroom runs itself (after each publish, and from the Comments panel).
function FolioRefresh.getComments(settings, photoInfos, commentCallback)
	local catalog = LrApplication.activeCatalog()
	-- Lightroom does not say which collection it refreshes: Folio's ids tell the album.
	local rootOf = {}
	for _, album in ipairs(albums(catalog)) do
		for _, published in ipairs(album.collection:getPublishedPhotos() or {}) do
			local id = published:getRemoteId()
			if id then rootOf[tostring(id)] = album.root end
		end
	end
	local byRoot = {}
	for _, info in ipairs(photoInfos) do
		local root = info.remoteId and rootOf[tostring(info.remoteId)]
		if root then
			byRoot[root] = byRoot[root] or {}
			table.insert(byRoot[root], {
				publishedPhoto = info.publishedPhoto,
				remoteId = info.remoteId,
				url = info.url,
			})
		end
		commentCallback { publishedPhoto = info, comments = {} }
	end
	for root, photos in pairs(byRoot) do
		FolioRefresh.refreshAlbum(settings, root, photos, catalog)
	end
end

return FolioRefresh
