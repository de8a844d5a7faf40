--[[ The Folio plug-in for Lightroom Classic: a publish service that hands photos to Folio,
which converts them and keeps them on your WordPress sites and Shopify stores. ]]

return {
	LrSdkVersion = 10.0,
	LrSdkMinimumVersion = 6.0,
	LrToolkitIdentifier = 'app.folio.lightroom',
	LrPluginName = 'Folio',
	LrExportServiceProvider = {
		title = 'Folio',
		file = 'FolioServiceProvider.lua',
	},
	LrLibraryMenuItems = {
		{ title = 'Refresh from Folio', file = 'FolioRefreshMenu.lua' },
	},
	VERSION = { major = 0, minor = 1, revision = 0, display = '0.1.0' },
}
