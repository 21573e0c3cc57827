"""``make try``: the real plugin process against a sample Gmail (or your own), step by step.

- ``cli``: options, the run, exit codes;
- ``scenario``: the default steps; ``steps``: one step, called as each Dify caller calls it;
- ``connect``: Dify's Connect through the plugin's OAuth methods, refresh, the 0600 token file;
- ``stand_in``: the sample Gmail (devkit.fakegoogle holding devkit.sample_mailbox);
- ``params``: ``ARGS='name=value …'`` typed by the tool's YAML; ``show``: the layout.
"""
