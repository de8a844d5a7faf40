--[[ Publish and Delete of the Folio publish service. Each published collection is one Folio
album (a folder of its own under the service's albums folder, recorded as the collection's
remote id). Publish renders the photos, hands them to `folio publish --wait`, and records each
photo as published only once every site of the album serves it; Delete confirms a photo to
Lightroom only once Folio took it off every site. ]]

local LrApplication = import 'LrApplication'
local LrFileUtils = import 'LrFileUtils'
local LrPathUtils = import 'LrPathUtils'

local FolioCommand = require 'FolioCommand'

local FolioPublish = {}

-- Photos handed to Folio at once: Folio converts several at a time, and a command line stays
-- well under Windows' 8,191 characters.
FolioPublish.BATCH = 10
-- How long one batch may take to reach every site before its photos count as not published.
FolioPublish.WAIT_SECONDS = 600

--- The name a rendition goes to Folio under: the photo's file name and its catalog id. Each
-- photo keeps the same name, so the same Folio id, at every publish, and a virtual copy or the
-- other half of a RAW+JPEG pair (another photo, rendered under the same name) never takes a
-- photo's place.
function FolioPublish.fileName(photo, renderedPath)
	local name = photo:getFormattedMetadata('fileName') or 'photo'
	local stem = LrPathUtils.removeExtension(name)
	stem = stem:gsub('[%c/\\:%*%?"<>|]', '-'):gsub('^[%.~]+', '')
	if stem == '' then stem = 'photo' end
	local extension = string.lower(LrPathUtils.extension(renderedPath) or '')
	if extension == '' then extension = 'jpg' end
	return string.format('%s-%s.%s', stem, tostring(photo.localIdentifier), extension)
end

--- The sites named in the service settings ("blog, shop").
function FolioPublish.sites(settings)
	local list = {}
	for name in string.gmatch(settings.sites or '', '[^,]+') do
		name = name:match('^%s*(.-)%s*$')
		if name ~= '' then list[#list + 1] = name end
	end
	return list
end

--- The URL "View on site" opens: the copy on the album's first site.
function FolioPublish.firstUrl(sites)
	for _, site in ipairs(sites or {}) do
		if site.url then return site.url end
	end
	return nil
end

local function albumRoots(settings)
	local roots = {}
	local albums = FolioCommand.run(settings, { 'album', 'list', '--json' })
	for _, album in ipairs(albums or {}) do
		roots[album.root] = true
	end
	return roots
end

--- The album settings the service's settings ask for, as `folio album set` options.
function FolioPublish.albumOptions(settings)
	local options = {}
	if settings.format and settings.format ~= '' then
		options[#options + 1] = '--format'
		options[#options + 1] = settings.format
	end
	if settings.naming and settings.naming ~= '' then
		options[#options + 1] = '--naming'
		options[#options + 1] = settings.naming
	end
	local policy = settings.deletePolicy
	if policy == 'trash' or policy == 'permanent' then
		options[#options + 1] = '--delete-policy'
		options[#options + 1] = policy
	end
	return options
end

--- Brings the album in line with the service settings (Folio changes nothing that is equal).
function FolioPublish.applySettings(settings, root)
	local args = { 'album', 'set', root }
	for _, option in ipairs(FolioPublish.albumOptions(settings)) do
		args[#args + 1] = option
	end
	local ok, why = FolioCommand.succeeds(settings, args)
	if not ok then error('Folio could not use the service settings for ' .. root .. ': ' .. why, 0) end
end

--- The collection's Folio album: recorded as its remote id, or made at its first publish.
function FolioPublish.albumFor(settings, collection, exportSession)
	local root = collection:getRemoteId()
	if root and root ~= '' then
		FolioPublish.applySettings(settings, root)
		return root
	end
	local sites = FolioPublish.sites(settings)
	if #sites == 0 then
		error("Choose the sites in the Folio service's settings: none is named", 0)
	end
	local parent = settings.albumsFolder
	if not parent or parent == '' then
		parent = LrPathUtils.child(LrPathUtils.getStandardFilePath('pictures'), 'Folio')
	end
	local name = (collection:getName() or 'Album'):gsub('[%c/\\:%*%?"<>|]', '-'):gsub('^[%.~%s]+', '')
	if name == '' then name = 'Album' end
	local folder, n = LrPathUtils.child(parent, name), 2
	while LrFileUtils.exists(folder) do
		folder = LrPathUtils.child(parent, name .. ' ' .. n)
		n = n + 1
	end
	LrFileUtils.createAllDirectories(folder)
	local before = albumRoots(settings)
	local args = { 'album', 'add', folder }
	for _, site in ipairs(sites) do
		args[#args + 1] = '--site'
		args[#args + 1] = site
	end
	if settings.keepLocation then args[#args + 1] = '--keep-location' end
	local ok, why = FolioCommand.succeeds(settings, args)
	if not ok then error('Folio could not make an album for ' .. name .. ': ' .. why, 0) end
	-- Folio names the album by its folder's real path (symbolic links resolved).
	for known in pairs(albumRoots(settings)) do
		if not before[known] then root = known end
	end
	root = root or folder
	FolioPublish.applySettings(settings, root)
	exportSession:recordRemoteCollectionId(root)
	return root
end

--- The rendered file under its Folio name, in the folder Lightroom rendered it to.
local function stage(rendition, renderedPath)
	local name = FolioPublish.fileName(rendition.photo, renderedPath)
	local staged = LrPathUtils.child(LrPathUtils.parent(renderedPath), name)
	if staged == renderedPath then return staged end
	if LrFileUtils.exists(staged) then LrFileUtils.delete(staged) end
	LrFileUtils.move(renderedPath, staged)
	if LrFileUtils.exists(staged) ~= 'file' then return nil end
	return staged
end

--- Hands a batch of rendered photos to Folio and tells Lightroom how each one went.
local function publishBatch(settings, root, batch, run)
	local args = { 'publish', '--album', root, '--wait', tostring(FolioPublish.WAIT_SECONDS), '--json' }
	for _, item in ipairs(batch) do
		args[#args + 1] = item.file
	end
	local answer, why = FolioCommand.run(settings, args)
	for k, item in ipairs(batch) do
		local photo = answer and answer.photos and answer.photos[k]
		local rendition = item.rendition
		local id = photo and photo.id and tostring(photo.id)
		if not photo then
			rendition:uploadFailed(why or 'Folio gave no answer for this photo')
		elseif photo.state ~= 'published' or not id then
			rendition:uploadFailed(photo.error or ('not published: ' .. tostring(photo.state)))
		elseif run.recorded[id] then
			-- Two photos under one id is a state Lightroom cannot recover from.
			rendition:uploadFailed('Folio gave this photo the id of another one (' .. id .. ')')
		else
			run.recorded[id] = true
			local before = rendition.publishedPhotoId
			if before and before ~= '' and before ~= id then
				-- Published under another name before (its file was renamed): that copy goes.
				run.stale[#run.stale + 1] = before
			end
			rendition:recordPublishedPhotoId(id)
			local url = FolioPublish.firstUrl(photo.sites)
			if url then rendition:recordPublishedPhotoUrl(url) end
		end
		LrFileUtils.delete(item.file)
	end
end

--- Lightroom's processRenderedPhotos for the Folio service.
function FolioPublish.processRenderedPhotos(_, exportContext)
	local session = exportContext.exportSession
	local settings = exportContext.propertyTable
	local total = session:countRenditions()
	local progress = exportContext:configureProgress {
		title = total == 1 and 'Publishing one photo with Folio'
			or string.format('Publishing %d photos with Folio', total),
	}
	local root = FolioPublish.albumFor(settings, exportContext.publishedCollection, session)
	local run = { recorded = {}, stale = {} }
	local batch, done = {}, 0
	local function flush()
		if #batch == 0 then return end
		publishBatch(settings, root, batch, run)
		done = done + #batch
		batch = {}
		progress:setPortionComplete(done, total)
	end
	for _, rendition in exportContext:renditions { stopIfCanceled = true } do
		local rendered, pathOrMessage = rendition:waitForRender()
		if progress:isCanceled() then break end
		if rendered then
			local file = stage(rendition, pathOrMessage)
			if file then
				batch[#batch + 1] = { rendition = rendition, file = file }
			else
				rendition:uploadFailed('the rendered photo could not be renamed for Folio')
			end
			if #batch >= FolioPublish.BATCH then flush() end
		end
	end
	flush()
	if #run.stale > 0 then
		local args = { 'unpublish', '--album', root, '--json' }
		for _, id in ipairs(run.stale) do
			args[#args + 1] = id
		end
		-- Best effort: a copy left behind is on the site, not wrong in Lightroom.
		FolioCommand.run(settings, args)
	end
end

--- Lightroom's deletePhotosFromPublishedCollection: each photo is confirmed with
-- deletedCallback only once Folio has taken it off every site of the album.
function FolioPublish.deletePhotos(settings, remoteIds, deletedCallback, localCollectionId)
	local catalog = LrApplication.activeCatalog()
	local collection = catalog:getPublishedCollectionByLocalIdentifier(localCollectionId)
	local root = collection and collection:getRemoteId()
	if not root or root == '' then
		-- Never published: nothing of it reached Folio.
		for _, id in ipairs(remoteIds) do
			deletedCallback(id)
		end
		return
	end
	FolioPublish.applySettings(settings, root)
	local problems = {}
	local step = 50
	for first = 1, #remoteIds, step do
		local chunk = {}
		local args = { 'unpublish', '--album', root, '--json' }
		for k = first, math.min(first + step - 1, #remoteIds) do
			chunk[#chunk + 1] = remoteIds[k]
			args[#args + 1] = remoteIds[k]
		end
		local answer, why = FolioCommand.run(settings, args)
		for k, id in ipairs(chunk) do
			local entry = answer and answer.photos and answer.photos[k]
			if entry and entry.state == 'removed' then
				deletedCallback(id)
			else
				problems[#problems + 1] = (entry and entry.error) or why or 'no answer from Folio'
			end
		end
	end
	if #problems > 0 then
		error(string.format('Folio could not remove %d photo(s) from the sites: %s', #problems,
			problems[1]), 0)
	end
end

--- What makes Lightroom offer a published photo for publishing again: what Folio sends to the
-- sites with it (title, caption, keywords) and, when the album keeps it, the location.
function FolioPublish.metadataThatTriggersRepublish(settings)
	return {
		default = false,
		title = true,
		caption = true,
		keywords = true,
		gps = settings and settings.keepLocation == true or false,
	}
end

return FolioPublish
