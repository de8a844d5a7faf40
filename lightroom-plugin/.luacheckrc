-- luacheck for the Lightroom plug-in (`make lint`): Lua 5.1 as Lightroom runs it, with the
-- globals Lightroom gives a plug-in. The tests' stand-ins define those globals, and their
-- objects take `self` as Lightroom's do, used or not.
std = 'lua51'
max_line_length = 120
read_globals = { 'import', '_PLUGIN', 'MAC_ENV', 'WIN_ENV' }
files['tests/'] = { globals = { 'import', '_PLUGIN', 'MAC_ENV', 'WIN_ENV' }, self = false }
