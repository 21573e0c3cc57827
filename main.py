from dify_plugin import DifyPluginEnv, Plugin

# Dify's daemon gives one request 300 s by default; keep the SDK's own limit in line.
plugin = Plugin(DifyPluginEnv(MAX_REQUEST_TIMEOUT=300))

if __name__ == "__main__":
    plugin.run()
