--[[ The Folio publish service, as Lightroom sees it. The work is in FolioPublish (Publish,
Delete), FolioRefresh (what the sites really have) and FolioDialog (the settings). ]]

local FolioDialog = require 'FolioDialog'
local FolioPublish = require 'FolioPublish'
local FolioRefresh = require 'FolioRefresh'

return {
	supportsIncrementalPublish = 'only',
	canExportVideo = false,
	-- Lightroom renders to a temporary folder and Folio names the files on the sites.
	hideSections = { 'exportLocation', 'fileNaming', 'video' },
	allowFileFormats = { 'JPEG', 'PNG', 'TIFF', 'ORIGINAL' },
	allowColorSpaces = { 'sRGB', 'AdobeRGB', 'ProPhotoRGB' },
	titleForPublishedCollection = 'Folio album',
	titleForPublishedSmartCollection = 'Folio smart album',
	titleForGoToPublishedCollection = 'disable',
	-- Kept in the catalog in plain text, so never a secret: Folio's keychain holds those.
	exportPresetFields = {
		{ key = 'sites', default = '' },
		{ key = 'format', default = 'webp' },
		{ key = 'naming', default = '{filename}' },
		{ key = 'deletePolicy', default = 'trash' },
		{ key = 'keepLocation', default = false },
		{ key = 'albumsFolder', default = '' },
		{ key = 'folioPath', default = '' },
		{ key = 'folioDataDir', default = '' },
	},
	startDialog = FolioDialog.startDialog,
	sectionsForTopOfDialog = FolioDialog.sectionsForTopOfDialog,
	metadataThatTriggersRepublish = FolioPublish.metadataThatTriggersRepublish,
	processRenderedPhotos = FolioPublish.processRenderedPhotos,
	deletePhotosFromPublishedCollection = FolioPublish.deletePhotos,
	getCommentsFromPublishedCollection = FolioRefresh.getComments,
}
