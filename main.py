from dify_plugin import DifyPluginEnv, Plugin

from gmail_core import memory

# Dify's daemon gives one request 300 s by default; keep the SDK's own limit in line.
plugin = Plugin(DifyPluginEnv(MAX_REQUEST_TIMEOUT=300))

if __name__ == "__main__":
    memory.tune_allocator()  # large attachments' buffers go back to the OS when freed
    memory.freeze_startup_objects()  # the collector's full passes skip what is loaded now
    memory.tune_collector()  # young collections every 10,000 new objects, not 700
    memory.mark_start()  # what the process holds now: calls give back what grows past it
    plugin.run()
