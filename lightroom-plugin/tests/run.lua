--[[ The plug-in's tests, under lua5.1 with stand-ins for Lightroom (tests/standins.lua):

  lua5.1 lightroom-plugin/tests/run.lua

Without FOLIO_BIN only the parts that need no Folio run. With it (crates/folio-cli/tests/
lightroom.rs sets it up under tests/with-wordpress.sh), Publish, Refresh and Delete drive the
real folio command against the real WordPress sites named in FOLIO_LR_SITES ("plain" is the
site without the companion plugin, FOLIO_WP_*; "companion" the one with it, FOLIO_WPC_*), on
the data folder FOLIO_DATA_DIR where the Rust side connected them under those names.
FOLIO_LR_PHOTOS holds the pictures renders are made of (a.png, a2.png, b.png, c.png and
broken.png); FOLIO_LR_RUN names this run's albums, so its uploads can be told apart. ]]

local here = (arg and arg[0] or ''):match('^(.*)/tests/[^/]*$') or '.'
package.path = here .. '/folio.lrplugin/?.lua;' .. here .. '/tests/?.lua;' .. package.path

local Lr = require 'standins'
_PLUGIN.path = here .. '/folio.lrplugin'

local FolioCommand = require 'FolioCommand'
local FolioDialog = require 'FolioDialog'
local FolioJson = require 'FolioJson'
local FolioPublish = require 'FolioPublish'
local FolioRefresh = require 'FolioRefresh'

local tests = {}
local function test(name, body)
	tests[#tests + 1] = { name = name, body = body }
end

local function expect(condition, message)
	if not condition then error(message or 'expectation failed', 2) end
end

local function equal(got, wanted, what)
	if got ~= wanted then
		error(string.format('%s: got %s, wanted %s', what or 'value', tostring(got), tostring(wanted)), 2)
	end
end

-- Every answer folio gave, to find what Lightroom is not told (the sites' own ids).
local answers = {}
local realRun = FolioCommand.run
FolioCommand.run = function(settings, args)
	local answer, why = realRun(settings, args)
	answers[#answers + 1] = { args = args, answer = answer }
	return answer, why
end

------------------------------------------------------------------ without Folio

test('JSON: values, nesting, escapes and Unicode decode as Lua values', function()
	local v = FolioJson.decode(' {"a": [1, -2.5e1, true, false, null, "x"], "b": {"c": "\\"q\\" \\\\ \\/ \\n\\t"},'
		.. ' "u": "caf\\u00e9 \\ud83d\\ude00", "e": [], "o": {}} ')
	equal(v.a[1], 1, 'a[1]')
	equal(v.a[2], -25, 'a[2]')
	equal(v.a[3], true, 'a[3]')
	equal(v.a[4], false, 'a[4]')
	equal(v.a[5], nil, 'a[5] (null)')
	equal(v.a[6], 'x', 'a[6]')
	equal(v.b.c, '"q" \\ / \n\t', 'escapes')
	equal(v.u, 'caf\195\169 \240\159\152\128', 'UTF-8 from \\u escapes and a surrogate pair')
	equal(#v.e, 0, 'empty array')
	equal(next(v.o), nil, 'empty object')
	equal(FolioJson.decode('"\\u002F"'), '/', 'escaped slash')
end)

test('JSON: anything that is not exactly one value is refused', function()
	local deep = string.rep('[', 100) .. string.rep(']', 100)
	for _, text in ipairs { '', '{', '[1,]', '{"a" 1}', '"open', '{"a":1} x', 'nul', '[1 2]', '"\\x"', deep, '{1:2}' } do
		local ok = pcall(FolioJson.decode, text)
		expect(not ok, 'accepted: ' .. text)
	end
end)

test('every photo goes to Folio under a name of its own that stays the same', function()
	local master = Lr.photo { fileName = 'IMG_0001.CR2', id = 11 }
	local copy = Lr.photo { fileName = 'IMG_0001.CR2', id = 12, virtualCopy = true }
	local jpeg = Lr.photo { fileName = 'IMG_0001.JPG', id = 13 }
	local names = {}
	for _, photo in ipairs { master, copy, jpeg } do
		local name = FolioPublish.fileName(photo, '/tmp/x/IMG_0001.JPG')
		expect(not names[name], 'two photos under ' .. name)
		names[name] = true
	end
	equal(FolioPublish.fileName(master, '/t/IMG_0001.jpg'), 'IMG_0001-11.jpg', 'name')
	equal(FolioPublish.fileName(master, '/t/other/IMG_0001-2.jpg'), 'IMG_0001-11.jpg', 'the same at every render')
	local odd = Lr.photo { fileName = '..a:b/c?.tif', id = 5 }
	equal(FolioPublish.fileName(odd, '/t/x.PNG'), 'a-b-c--5.png', 'no path, hidden or reserved characters')
end)

test('arguments reach folio exactly as given, quotes and spaces included', function()
	for _, arg in ipairs { "it's", 'two words', '$HOME', 'a"b', 'back\\slash', '*' } do
		local got = Lr.sh('printf %s ' .. FolioCommand.quote(arg))
		equal(got, arg, 'quoted')
	end
end)

test('only a lost, refused, removed or changed photo is to be published again', function()
	local url = 'https://site/a.webp'
	local synced = { state = 'published', changed = false, sites = { { name = 'blog', state = 'synced', url = url } } }
	local modified, newUrl = FolioRefresh.verdict(synced, url)
	expect(not modified and newUrl == nil, 'an unchanged photo is left alone')
	for _, state in ipairs { 'missing', 'failed', 'removed' } do
		expect((FolioRefresh.verdict({ state = state, sites = {} }, url)), state .. ' is not marked')
	end
	expect((FolioRefresh.verdict({ state = 'published', changed = true, sites = synced.sites }, url)), 'changed')
	expect(not FolioRefresh.verdict({ state = 'waiting', sites = synced.sites }, url), 'waiting is not marked')
	local _, moved = FolioRefresh.verdict({ state = 'published', sites = { { url = 'https://site/b.webp' } } }, url)
	equal(moved, 'https://site/b.webp', 'a new address')
end)

test('what triggers a re-publish: title, caption, keywords, and GPS only when kept', function()
	local t = FolioPublish.metadataThatTriggersRepublish { keepLocation = false }
	expect(t.default == false and t.title and t.caption and t.keywords, 'title, caption, keywords')
	expect(not t.gps, 'GPS while the album drops it')
	expect(FolioPublish.metadataThatTriggersRepublish({ keepLocation = true }).gps, 'GPS when kept')
end)

test('the service is declared as Lightroom loads it, with no secret in its settings', function()
	local info = dofile(here .. '/folio.lrplugin/Info.lua')
	equal(info.LrExportServiceProvider.file, 'FolioServiceProvider.lua', 'provider file')
	equal(info.LrLibraryMenuItems[1].title, 'Refresh from Folio', 'menu item')
	local provider = dofile(here .. '/folio.lrplugin/FolioServiceProvider.lua')
	equal(provider.supportsIncrementalPublish, 'only', 'publish only')
	for _, hook in ipairs { 'processRenderedPhotos', 'deletePhotosFromPublishedCollection',
		'getCommentsFromPublishedCollection', 'metadataThatTriggersRepublish' } do
		equal(type(provider[hook]), 'function', hook)
	end
	for _, field in ipairs(provider.exportPresetFields) do
		local key = field.key:lower()
		expect(not (key:find('pass') or key:find('token') or key:find('secret')), 'a secret in the catalog: ' .. key)
	end
	local sections = FolioDialog.sectionsForTopOfDialog(Lr.viewFactory(), {})
	equal(sections[1].title, 'Folio', 'the dialog section')
end)

------------------------------------------------------------------ with Folio and WordPress

local photos = os.getenv('FOLIO_LR_PHOTOS')
local runTag = os.getenv('FOLIO_LR_RUN') or tostring(os.time())
local prefixes = { plain = 'FOLIO_WP', companion = 'FOLIO_WPC' }

local function nonce()
	return string.format('n=%d%d', os.time(), math.random(1, 1000000))
end

--- What the site answers for `url` itself (WordPress redirects a deleted upload's address).
local function status(url)
	return tonumber(Lr.sh("curl -s -o /dev/null -w '%{http_code}' " .. Lr.q(url .. '?' .. nonce())))
end

local function sha(url)
	return Lr.sh('curl -s ' .. Lr.q(url .. '?' .. nonce()) .. ' | sha256sum'):match('%x+')
end

--- Deletes an item on the site, as someone in wp-admin would. The Application Password goes
-- to curl in a file, not on its command line.
local function deleteOnSite(site, remoteId)
	local prefix = prefixes[site]
	local config = Lr.scratch .. '/curl-' .. site
	local f = assert(io.open(config, 'w'))
	f:write(string.format('user = "%s:%s"\n', os.getenv(prefix .. '_USER'), os.getenv(prefix .. '_APP_PASSWORD')))
	f:close()
	local url = os.getenv(prefix .. '_URL') .. '/?rest_route=/wp/v2/media/' .. remoteId .. '&force=true'
	local code = Lr.sh("curl -s -o /dev/null -w '%{http_code}' -K " .. Lr.q(config) .. ' -X DELETE ' .. Lr.q(url))
	os.remove(config)
	equal(tonumber(code), 200, 'deleted on the site by hand')
end

--- The site's own id for a photo Folio published last, from folio's answers.
local function remoteIdOf(id)
	for k = #answers, 1, -1 do
		local a = answers[k]
		if a.args[1] == 'publish' and a.answer then
			for _, p in ipairs(a.answer.photos) do
				if tostring(p.id) == id then return p.sites[1].remote_id end
			end
		end
	end
	error('no remote id for ' .. id)
end

local function publish(settings, collection, items)
	local context, renditions = Lr.exportContext(settings, collection, items)
	FolioPublish.processRenderedPhotos({}, context)
	Lr.afterPublish(collection, renditions)
end

local function only(calls, what)
	equal(#calls, 1, 'calls of ' .. what)
	return calls[1]
end

local function scenario(site, n)
	local settings = {
		sites = site, format = 'webp', naming = '{album}-{filename}', deletePolicy = 'permanent',
		keepLocation = false, albumsFolder = Lr.scratch .. '/albums', folioPath = '', folioDataDir = '',
	}
	local collection = Lr.collection { name = runTag .. ' ' .. site, id = 500 + n }
	Lr.catalog.services = { Lr.service(settings, { collection }) }
	local master = Lr.photo { fileName = 'IMG_0001.CR2', id = 101, source = photos .. '/a.png' }
	local copy = Lr.photo { fileName = 'IMG_0001.CR2', id = 102, source = photos .. '/b.png', virtualCopy = true }
	local jpegHalf = Lr.photo { fileName = 'IMG_0001.JPG', id = 103, source = photos .. '/c.png' }
	local broken = Lr.photo { fileName = 'IMG_0009.JPG', id = 109, source = photos .. '/broken.png' }

	-- Publish: each photo its own id, recorded once, with the address its copy is served at.
	Lr.reset()
	publish(settings, collection, { { photo = master }, { photo = copy }, { photo = jpegHalf }, { photo = broken } })
	local ids, seen = {}, {}
	for _, photo in ipairs { master, copy, jpegHalf } do
		local id = only(Lr.called('recordPublishedPhotoId', photo), 'recordPublishedPhotoId').id
		expect(not seen[id], 'two photos under id ' .. id)
		seen[id], ids[photo] = true, id
		local url = only(Lr.called('recordPublishedPhotoUrl', photo), 'recordPublishedPhotoUrl').url
		equal(status(url), 200, 'served at its recorded URL')
		equal(#Lr.called('uploadFailed', photo), 0, 'failures of a good photo')
	end
	equal(#Lr.called('recordPublishedPhotoId', broken), 0, 'an id for a photo Folio could not publish')
	local failure = only(Lr.called('uploadFailed', broken), 'uploadFailed')
	expect(failure.message ~= '' and failure.message:find('not'), "Folio's reason: " .. failure.message)
	expect(collection.remoteId and Lr.sh('test -d ' .. Lr.q(collection.remoteId) .. ' && echo y') ~= '',
		'the album folder recorded as the collection')

	-- Lightroom's own refresh right after a publish changes nothing.
	Lr.reset()
	local comments = 0
	FolioRefresh.getComments(settings, Lr.photoInfos(collection), function() comments = comments + 1 end)
	equal(comments, 3, 'comments answered')
	equal(#Lr.called('setEditedFlag'), 0, 'photos marked right after publishing')
	equal(#Lr.called('setRemoteUrl'), 0, 'URLs changed right after publishing')

	-- Re-published after an edit: the same id; the same address where the site replaces files.
	local before = collection:publishedOf(master).url
	local bytesBefore = sha(before)
	master.source = photos .. '/a2.png'
	Lr.reset()
	publish(settings, collection, { { photo = master, publishedPhotoId = ids[master] } })
	equal(only(Lr.called('recordPublishedPhotoId', master), 'recordPublishedPhotoId').id, ids[master], 'id')
	local after = only(Lr.called('recordPublishedPhotoUrl', master), 'recordPublishedPhotoUrl').url
	if site == 'companion' then
		equal(after, before, 'the URL with the companion plugin')
		expect(sha(after) ~= bytesBefore, 'the new version is served at the same URL')
	else
		expect(after ~= before, 'a new URL without the companion plugin')
		equal(status(after), 200, 'the new version served')
	end

	-- The site lost the virtual copy: Refresh marks it, and only it; publishing puts it back.
	deleteOnSite(site, remoteIdOf(ids[copy]))
	Lr.reset()
	local looked, marked = FolioRefresh.refreshCatalog(Lr.catalog)
	equal(looked, 3, 'photos looked at')
	equal(marked, 1, 'photos marked')
	local flag = only(Lr.called('setEditedFlag'), 'setEditedFlag')
	expect(flag.photo == copy and flag.flag == true, 'the photo the site lost is marked Modified')
	Lr.reset()
	publish(settings, collection, { { photo = copy, publishedPhotoId = ids[copy] } })
	equal(only(Lr.called('recordPublishedPhotoId', copy), 'recordPublishedPhotoId').id, ids[copy], 'id')
	equal(status(collection:publishedOf(copy).url), 200, 'on the site again')
	Lr.reset()
	local _, again = FolioRefresh.refreshCatalog(Lr.catalog)
	equal(again, 0, 'photos marked once all are back')

	-- Delete: confirmed only once the copy is off the site.
	local jpegUrl = collection:publishedOf(jpegHalf).url
	local confirmed = {}
	FolioPublish.deletePhotos(settings, { ids[jpegHalf] }, function(id)
		confirmed[#confirmed + 1] = { id = id, status = status(jpegUrl) }
	end, collection.localIdentifier)
	equal(#confirmed, 1, 'deletions confirmed')
	equal(confirmed[1].id, ids[jpegHalf], 'the id confirmed')
	expect(confirmed[1].status ~= 200, 'confirmed while the site still served it')

	-- A delete the site cannot do (no trash there) is not confirmed, and says why.
	settings.deletePolicy = 'trash'
	local masterUrl = collection:publishedOf(master).url
	local refused = {}
	local ok, why = pcall(FolioPublish.deletePhotos, settings, { ids[master] }, function(id)
		refused[#refused + 1] = id
	end, collection.localIdentifier)
	expect(not ok and tostring(why):find('trash'), 'a delete into a missing trash: ' .. tostring(why))
	equal(#refused, 0, 'deletions confirmed that did not happen')
	equal(status(masterUrl), 200, 'still on the site')
	settings.deletePolicy = 'permanent'
	local rest = {}
	FolioPublish.deletePhotos(settings, { ids[master], ids[copy] }, function(id)
		rest[#rest + 1] = id
	end, collection.localIdentifier)
	equal(#rest, 2, 'the rest deleted')
end

if os.getenv('FOLIO_BIN') and photos then
	local n = 0
	for site in string.gmatch(os.getenv('FOLIO_LR_SITES') or 'plain', '%S+') do
		n = n + 1
		local k = n
		test('Publish, Refresh and Delete with Folio on the ' .. site .. ' WordPress', function()
			scenario(site, k)
		end)
	end
else
	print('SKIP: Publish, Refresh and Delete with Folio (FOLIO_BIN and FOLIO_LR_PHOTOS not set)')
end

local failures = 0
for _, t in ipairs(tests) do
	local ok, why = xpcall(t.body, debug.traceback)
	print((ok and 'ok      ' or 'FAILED  ') .. t.name)
	if not ok then
		failures = failures + 1
		print('  ' .. tostring(why):gsub('\n', '\n  '))
	end
end
print(string.format('%d passed, %d failed', #tests - failures, failures))
os.exit(failures == 0 and 0 or 1)
