--[[ Library > Plug-in Extras > Refresh from Folio. ]]

local LrApplication = import 'LrApplication'
local LrDialogs = import 'LrDialogs'
local LrTasks = import 'LrTasks'

local FolioRefresh = require 'FolioRefresh'

LrTasks.startAsyncTask(function()
	local ok, looked, marked, moved = LrTasks.pcall(FolioRefresh.refreshCatalog,
		LrApplication.activeCatalog())
	if not ok then
		LrDialogs.message('Refresh from Folio', tostring(looked), 'critical')
		return
	end
	local said = string.format('%d published photo(s) checked with their sites.', looked)
	if marked > 0 then
		said = said .. string.format(' %d marked to re-publish (a site lost or refused them).', marked)
	end
	if moved > 0 then
		said = said .. string.format(' %d now have a new address.', moved)
	end
	LrDialogs.message('Refresh from Folio', said, 'info')
end)
