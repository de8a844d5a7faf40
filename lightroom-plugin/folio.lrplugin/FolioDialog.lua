--[[ The Folio service's settings in the Publish Services dialog: which of Folio's sites the
albums go to, the file type, the names on the sites, what Delete does, and where Folio is. ]]

local LrDialogs = import 'LrDialogs'
local LrTasks = import 'LrTasks'
local LrView = import 'LrView'

local FolioCommand = require 'FolioCommand'

local FolioDialog = {}

--- Asks Folio for its sites while the dialog opens, to show them beside the field.
function FolioDialog.startDialog(settings)
	settings.folioSitesKnown = 'Asking Folio for its sites…'
	LrTasks.startAsyncTask(function()
		local sites, why = FolioCommand.run(settings, { 'site', 'list', '--json' })
		if not sites then
			settings.folioSitesKnown = 'Folio did not answer: ' .. tostring(why)
			return
		end
		local names = {}
		for _, site in ipairs(sites) do
			names[#names + 1] = site.name
		end
		if #names == 0 then
			settings.folioSitesKnown = 'No site is connected in Folio yet: connect one in the Folio app.'
			return
		end
		settings.folioSitesKnown = "Folio's sites: " .. table.concat(names, ', ')
		if not settings.sites or settings.sites == '' then
			settings.sites = table.concat(names, ', ')
		end
	end)
end

function FolioDialog.sectionsForTopOfDialog(f, settings)
	local bind = LrView.bind
	local share = LrView.share
	local function label(title)
		return f:static_text { title = title, alignment = 'right', width = share 'folioLabel' }
	end
	return {
		{
			title = 'Folio',
			synopsis = bind 'sites',
			f:row { label 'Sites:', f:edit_field { value = bind 'sites', width_in_chars = 36,
				tooltip = 'The Folio sites these albums go to, separated by commas' } },
			f:row { label '', f:static_text { title = bind 'folioSitesKnown', fill_horizontal = 1 } },
			f:row { label 'File type:', f:popup_menu { value = bind 'format', items = {
				{ title = 'WebP', value = 'webp' },
				{ title = 'AVIF (WebP where a site refuses it)', value = 'avif' },
				{ title = 'JPEG', value = 'jpeg' },
				{ title = 'As Lightroom renders it', value = 'original' },
			} } },
			f:row { label 'Names on the sites:', f:edit_field { value = bind 'naming',
				width_in_chars = 36, tooltip = 'A Folio pattern: {filename} {title} {date} {sequence} …' } },
			f:row { label 'Delete:', f:popup_menu { value = bind 'deletePolicy', items = {
				{ title = "Moves photos to each site's trash", value = 'trash' },
				{ title = 'Deletes photos from the sites for good', value = 'permanent' },
			} } },
			f:row { label '', f:checkbox { value = bind 'keepLocation',
				title = 'Keep the location (GPS) in the photos on the sites' } },
			f:row { label 'Album folders in:', f:edit_field { value = bind 'albumsFolder',
				width_in_chars = 30, tooltip = 'Each collection gets a folder here (default: Pictures/Folio)' },
				f:push_button { title = 'Choose…', action = function()
					local chosen = LrDialogs.runOpenPanel {
						title = 'Folder for the Folio albums', canChooseFiles = false,
						canChooseDirectories = true, allowsMultipleSelection = false,
					}
					if chosen then settings.albumsFolder = chosen[1] end
				end } },
			f:row { label 'folio command:', f:edit_field { value = bind 'folioPath', width_in_chars = 30,
				tooltip = 'Empty: the plug-in finds it (the Folio app, the PATH)' } },
			f:row { label 'Folio data folder:', f:edit_field { value = bind 'folioDataDir',
				width_in_chars = 30, tooltip = "Empty: Folio's own, shared with the Folio app" } },
		},
	}
end

return FolioDialog
