// Loads the compiled addon (build/Release/tcp_quickack.node); see quickack.c.
module.exports = require('./build/Release/tcp_quickack.node');
