"""Golden-path scaffolds: cookiecutter templates plus agentctl's shared agent runtime.

``catalog`` finds templates (built-in, local path, git URL), ``variables``
checks names and template variables, ``generate`` renders a project into a
staging directory and moves it into place in one step.
"""
