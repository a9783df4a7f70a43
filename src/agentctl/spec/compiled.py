"""The agent.yaml and platform.yaml core schemas, written from the models by
hack/gen_compiled_spec.py with pydantic 2.14.4. Do not edit: change the
models (agentctl.spec.models) and run it again. See agentctl.spec.shapes."""

# fmt: off
# ruff: noqa: E501
import datetime  # noqa: F401
from decimal import Decimal  # noqa: F401

from agentctl.spec import platform_fields, shapes, units  # noqa: F401
from agentctl.spec.shapes import Twin

PYDANTIC_VERSION = '2.14.4'
# pydantic-core ignores a key it does not know: another version may read these
# schemas differently without refusing them, so only this one uses them
PYDANTIC_CORE_VERSION = '2.50.5'


class Agent(Twin):
    'An agent.yaml file.'


class AgentSpecBody(shapes.AgentSpecBody, Twin):
    'What the agent is and needs: everything else is derived from it.'


class Budget(Twin):
    'LLM spend limits the agent runtime enforces.'


class Caller(Twin):
    'Who may call a service or stateful agent, besides the pods of its own namespace.'


class ComputePricing(Twin):
    'Rate card for compute cost estimates (each price at most 1,000,000 USD per unit).'


class Egress(shapes.Egress, Twin):
    'How egress to external hosts (model endpoint, http/tcp tools) is restricted.'


class EgressProxy(Twin):
    "The platform's egress proxy (egress mode proxy)."


class Evaluation(Twin):
    "Continuous-evaluation gates over the agent's traces (agentctl eval)."


class Exception_(Twin):
    'A platform-granted exception to a policy check.'


class FieldRule(Twin):
    'A declarative organisation check over rendered objects.'


class ForEach(Twin):
    "Fan-out: one pod per item of an upstream step's JSON-list output."


class FunctionTool(shapes.FunctionTool, Twin):
    "A function in the agent's own code that the model may call: no network, renders no objects."


class Gate(shapes.Gate, Twin):
    'A threshold over an evaluation metric computed from traces.'


class Guardrails(Twin):
    'Limits on one run of the agent (passed to the runtime, checked by policy).'


class HttpTool(shapes.HttpTool, Twin):
    'An external HTTP API the agent may call (egress to its host and port).'


class KubernetesTool(shapes.KubernetesTool, Twin):
    'The agent acts on the Kubernetes API: a Role/RoleBinding with exactly these rules.'


class Limits(Twin):
    'Maximums every agent must stay within (checked by validate).'


class McpService(Twin):
    'An MCP server in the cluster, by its Service.'


class McpTool(shapes.McpTool, Twin):
    'A remote MCP server (Streamable HTTP) whose tools the model may call; egress to it only.'


class Memory(shapes.Memory, Twin):
    'Long-term memory: one persistent volume (stateful agents run one replica on it), or one'


class Metadata(Twin):
    'Who the agent is: its name, owning team, version and labels.'


class ModelAllow(Twin):
    'One allowed model (an entry of the allowlist).'


class ModelSpec(Twin):
    'The LLM the agent calls.'


class NetworkSettings(Twin):
    'Who may reach agents, and which in-cluster addresses their egress may name exactly.'


class Observability(Twin):
    'Tracing of the agent (OpenTelemetry GenAI conventions).'


class Platform(shapes.Platform, Twin):
    'A platform.yaml file.'


class PolicyRule(Twin):
    'One Kubernetes RBAC rule.'


class PolicySettings(Twin):
    "How validate's policy gate behaves for this organisation."


class Pricing(Twin):
    'Prices for cost estimates (LLM prices come from genai-prices).'


class RemoteRef(Twin):
    'Where the value lives in the external secret store.'


class Resources(shapes.Resources, Twin):
    'CPU and memory requests (and optional limits) of a container.'


class Retry(Twin):
    'Retries of a failed step with exponential backoff.'


class Scaling(shapes.Scaling, Twin):
    'Horizontal autoscaling (service and stateful agents).'


class Secret(Twin):
    'A secret synced from an external store (External Secrets Operator); never in a manifest.'


class SecretStoreRef(shapes.SecretStoreRef, Twin):
    'An External Secrets Operator store agents may read from.'


class ServiceTool(shapes.ServiceTool, Twin):
    'A stateless tool this project deploys: its own Deployment, Service and NetworkPolicy.'


class Step(Twin):
    "One step of a workflow; runs the agent's image unless it names another."


class Suppression(Twin):
    'An accepted policy finding, with the reason it is accepted.'


class TcpTool(shapes.TcpTool, Twin):
    'A database or other TCP endpoint the agent may reach.'


class Telemetry(Twin):
    'The OpenTelemetry collector agents export to, and where traces are read.'


class TraceSource(Twin):
    'Where `agentctl trace` reads traces from.'


class Workflow(Twin):
    'A multi-step process (type workflow): an Argo WorkflowTemplate.'


class WorkloadIdentity(shapes.WorkloadIdentity, Twin):
    "The cloud identity each agent's ServiceAccount acts as (annotated on it)."


_Metadata = {
    'cls': Metadata,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.agent_name,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'name',
                'serialization_alias': 'name',
            },
            'team': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.dns_label,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'team',
                'serialization_alias': 'team',
            },
            'version': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'str',
                        'pattern': '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$',
                    },
                    'default': '0.1.0',
                },
                'validation_alias': 'version',
                'serialization_alias': 'version',
            },
            'description': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'description',
                'serialization_alias': 'description',
            },
            'labels': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'function-after',
                        'function': {
                            'type': 'no-info',
                            'function': shapes.check_labels,
                        },
                        'schema': {
                            'type': 'dict',
                            'keys_schema': {
                                'type': 'str',
                            },
                            'values_schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default_factory': shapes.new_dict,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'labels',
                'serialization_alias': 'labels',
            },
            'annotations': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'function-after',
                        'function': {
                            'type': 'no-info',
                            'function': shapes.check_annotations,
                        },
                        'schema': {
                            'type': 'dict',
                            'keys_schema': {
                                'type': 'str',
                            },
                            'values_schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default_factory': shapes.new_dict,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'annotations',
                'serialization_alias': 'annotations',
            },
        },
        'model_name': 'Metadata',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Metadata',
    },
    'ref': 'Metadata',
}

_ModelSpec = {
    'cls': ModelSpec,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'provider': {
                'type': 'model-field',
                'schema': {
                    'type': 'str',
                    'min_length': 1,
                },
                'validation_alias': 'provider',
                'serialization_alias': 'provider',
            },
            'name': {
                'type': 'model-field',
                'schema': {
                    'type': 'str',
                    'min_length': 1,
                },
                'validation_alias': 'name',
                'serialization_alias': 'name',
            },
            'endpoint': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': platform_fields.http_url,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'endpoint',
                'serialization_alias': 'endpoint',
            },
            'api_key_secret': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'apiKeySecret',
                'serialization_alias': 'apiKeySecret',
            },
            'temperature': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'float',
                            'ge': 0,
                            'le': 2,
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'temperature',
                'serialization_alias': 'temperature',
            },
            'max_output_tokens': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'int',
                            'ge': 1,
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'maxOutputTokens',
                'serialization_alias': 'maxOutputTokens',
            },
        },
        'model_name': 'ModelSpec',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'ModelSpec',
    },
    'ref': 'ModelSpec',
}

_Memory = {
    'cls': Memory,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'size': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.quantity,
                    },
                    'schema': {
                        'type': 'function-before',
                        'function': {
                            'type': 'no-info',
                            'function': shapes.coerce_quantity,
                        },
                        'schema': {
                            'type': 'str',
                        },
                    },
                },
                'validation_alias': 'size',
                'serialization_alias': 'size',
            },
            'storage_class': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': units.check_dns1123_subdomain,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'storageClass',
                'serialization_alias': 'storageClass',
            },
            'mount_path': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'str',
                        'pattern': '^/.*$',
                    },
                    'default': '/data',
                },
                'validation_alias': 'mountPath',
                'serialization_alias': 'mountPath',
            },
            'access_mode': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'literal',
                        'expected': [
                            'ReadWriteOnce',
                            'ReadWriteOncePod',
                            'ReadWriteMany',
                        ],
                    },
                    'default': 'ReadWriteOnce',
                },
                'validation_alias': 'accessMode',
                'serialization_alias': 'accessMode',
            },
        },
        'model_name': 'Memory',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Memory',
    },
    'ref': 'Memory',
}

_Resources = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.Resources._limits,
    },
    'schema': {
        'cls': Resources,
        'type': 'model',
        'schema': {
            'type': 'model-fields',
            'fields': {
                'cpu': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.quantity,
                            },
                            'schema': {
                                'type': 'function-before',
                                'function': {
                                    'type': 'no-info',
                                    'function': shapes.coerce_quantity,
                                },
                                'schema': {
                                    'type': 'str',
                                },
                            },
                        },
                        'default': '250m',
                    },
                    'validation_alias': 'cpu',
                    'serialization_alias': 'cpu',
                },
                'memory': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.quantity,
                            },
                            'schema': {
                                'type': 'function-before',
                                'function': {
                                    'type': 'no-info',
                                    'function': shapes.coerce_quantity,
                                },
                                'schema': {
                                    'type': 'str',
                                },
                            },
                        },
                        'default': '512Mi',
                    },
                    'validation_alias': 'memory',
                    'serialization_alias': 'memory',
                },
                'cpu_limit': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'function-after',
                                'function': {
                                    'type': 'no-info',
                                    'function': shapes.quantity,
                                },
                                'schema': {
                                    'type': 'function-before',
                                    'function': {
                                        'type': 'no-info',
                                        'function': shapes.coerce_quantity,
                                    },
                                    'schema': {
                                        'type': 'str',
                                    },
                                },
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'cpuLimit',
                    'serialization_alias': 'cpuLimit',
                },
                'memory_limit': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'function-after',
                                'function': {
                                    'type': 'no-info',
                                    'function': shapes.quantity,
                                },
                                'schema': {
                                    'type': 'function-before',
                                    'function': {
                                        'type': 'no-info',
                                        'function': shapes.coerce_quantity,
                                    },
                                    'schema': {
                                        'type': 'str',
                                    },
                                },
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'memoryLimit',
                    'serialization_alias': 'memoryLimit',
                },
                'ephemeral_storage': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.quantity,
                            },
                            'schema': {
                                'type': 'function-before',
                                'function': {
                                    'type': 'no-info',
                                    'function': shapes.coerce_quantity,
                                },
                                'schema': {
                                    'type': 'str',
                                },
                            },
                        },
                        'default': '1Gi',
                    },
                    'validation_alias': 'ephemeralStorage',
                    'serialization_alias': 'ephemeralStorage',
                },
            },
            'model_name': 'Resources',
            'computed_fields': [],
        },
        'custom_init': False,
        'root_model': False,
        'config': {
            'extra_fields_behavior': 'forbid',
            'validate_default': True,
            'validate_by_alias': True,
            'validate_by_name': True,
            'title': 'Resources',
        },
    },
    'ref': 'Resources',
}

_Scaling = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.Scaling._range,
    },
    'schema': {
        'cls': Scaling,
        'type': 'model',
        'schema': {
            'type': 'model-fields',
            'fields': {
                'min_replicas': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'int',
                            'ge': 0,
                            'le': 1000,
                        },
                        'default': 1,
                    },
                    'validation_alias': 'minReplicas',
                    'serialization_alias': 'minReplicas',
                },
                'max_replicas': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'int',
                            'ge': 1,
                            'le': 1000,
                        },
                        'default': 3,
                    },
                    'validation_alias': 'maxReplicas',
                    'serialization_alias': 'maxReplicas',
                },
                'target_cpu_utilization': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'int',
                            'ge': 1,
                            'le': 100,
                        },
                        'default': 70,
                    },
                    'validation_alias': 'targetCPUUtilization',
                    'serialization_alias': 'targetCPUUtilization',
                },
            },
            'model_name': 'Scaling',
            'computed_fields': [],
        },
        'custom_init': False,
        'root_model': False,
        'config': {
            'extra_fields_behavior': 'forbid',
            'validate_default': True,
            'validate_by_alias': True,
            'validate_by_name': True,
            'title': 'Scaling',
        },
    },
    'ref': 'Scaling',
}

_ServiceTool = {
    'cls': ServiceTool,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.dns_label,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'name',
                'serialization_alias': 'name',
            },
            'description': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'description',
                'serialization_alias': 'description',
            },
            'executes_code': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'bool',
                    },
                    'default': False,
                },
                'validation_alias': 'executesCode',
                'serialization_alias': 'executesCode',
            },
            'sandbox': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': units.check_dns1123_subdomain,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'sandbox',
                'serialization_alias': 'sandbox',
            },
            'reason': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'reason',
                'serialization_alias': 'reason',
            },
            'kind': {
                'type': 'model-field',
                'schema': {
                    'type': 'literal',
                    'expected': [
                        'service',
                    ],
                },
                'validation_alias': 'kind',
                'serialization_alias': 'kind',
            },
            'image': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.image,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'image',
                'serialization_alias': 'image',
            },
            'port': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'int',
                        'ge': 1,
                        'le': 65535,
                    },
                    'default': 8080,
                },
                'validation_alias': 'port',
                'serialization_alias': 'port',
            },
            'command': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'list',
                            'items_schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'command',
                'serialization_alias': 'command',
            },
            'args': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'list',
                            'items_schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'args',
                'serialization_alias': 'args',
            },
            'resources': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': _Resources,
                    },
                    'default': None,
                },
                'validation_alias': 'resources',
                'serialization_alias': 'resources',
            },
            'scaling': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': _Scaling,
                    },
                    'default': None,
                },
                'validation_alias': 'scaling',
                'serialization_alias': 'scaling',
            },
            'env': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'dict',
                        'keys_schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': units.check_env_name,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                        'values_schema': {
                            'type': 'str',
                        },
                    },
                    'default_factory': shapes.new_dict,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'env',
                'serialization_alias': 'env',
            },
            'health_path': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'str',
                        'pattern': '^/',
                    },
                    'default': '/healthz',
                },
                'validation_alias': 'healthPath',
                'serialization_alias': 'healthPath',
            },
        },
        'model_name': 'ServiceTool',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'ServiceTool',
    },
    'ref': 'ServiceTool',
}

_HttpTool = {
    'cls': HttpTool,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.dns_label,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'name',
                'serialization_alias': 'name',
            },
            'description': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'description',
                'serialization_alias': 'description',
            },
            'executes_code': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'bool',
                    },
                    'default': False,
                },
                'validation_alias': 'executesCode',
                'serialization_alias': 'executesCode',
            },
            'sandbox': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': units.check_dns1123_subdomain,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'sandbox',
                'serialization_alias': 'sandbox',
            },
            'reason': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'reason',
                'serialization_alias': 'reason',
            },
            'kind': {
                'type': 'model-field',
                'schema': {
                    'type': 'literal',
                    'expected': [
                        'http',
                    ],
                },
                'validation_alias': 'kind',
                'serialization_alias': 'kind',
            },
            'url': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': platform_fields.http_url,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'url',
                'serialization_alias': 'url',
            },
            'cidrs': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': units.check_cidr,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'cidrs',
                'serialization_alias': 'cidrs',
            },
        },
        'model_name': 'HttpTool',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'HttpTool',
    },
    'ref': 'HttpTool',
}

_TcpTool = {
    'cls': TcpTool,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.dns_label,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'name',
                'serialization_alias': 'name',
            },
            'description': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'description',
                'serialization_alias': 'description',
            },
            'executes_code': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'bool',
                    },
                    'default': False,
                },
                'validation_alias': 'executesCode',
                'serialization_alias': 'executesCode',
            },
            'sandbox': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': units.check_dns1123_subdomain,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'sandbox',
                'serialization_alias': 'sandbox',
            },
            'reason': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'reason',
                'serialization_alias': 'reason',
            },
            'kind': {
                'type': 'model-field',
                'schema': {
                    'type': 'literal',
                    'expected': [
                        'tcp',
                    ],
                },
                'validation_alias': 'kind',
                'serialization_alias': 'kind',
            },
            'host': {
                'type': 'model-field',
                'schema': {
                    'type': 'str',
                    'min_length': 1,
                },
                'validation_alias': 'host',
                'serialization_alias': 'host',
            },
            'port': {
                'type': 'model-field',
                'schema': {
                    'type': 'int',
                    'ge': 1,
                    'le': 65535,
                },
                'validation_alias': 'port',
                'serialization_alias': 'port',
            },
            'cidrs': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': units.check_cidr,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'cidrs',
                'serialization_alias': 'cidrs',
            },
        },
        'model_name': 'TcpTool',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'TcpTool',
    },
    'ref': 'TcpTool',
}

_PolicyRule = {
    'cls': PolicyRule,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'api_groups': {
                'type': 'model-field',
                'schema': {
                    'type': 'list',
                    'items_schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'apiGroups',
                'serialization_alias': 'apiGroups',
            },
            'resources': {
                'type': 'model-field',
                'schema': {
                    'type': 'list',
                    'items_schema': {
                        'type': 'str',
                    },
                    'min_length': 1,
                },
                'validation_alias': 'resources',
                'serialization_alias': 'resources',
            },
            'verbs': {
                'type': 'model-field',
                'schema': {
                    'type': 'list',
                    'items_schema': {
                        'type': 'str',
                    },
                    'min_length': 1,
                },
                'validation_alias': 'verbs',
                'serialization_alias': 'verbs',
            },
            'resource_names': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'list',
                            'items_schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'resourceNames',
                'serialization_alias': 'resourceNames',
            },
        },
        'model_name': 'PolicyRule',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'PolicyRule',
    },
    'ref': 'PolicyRule',
}

_KubernetesTool = {
    'cls': KubernetesTool,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.dns_label,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'name',
                'serialization_alias': 'name',
            },
            'description': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'description',
                'serialization_alias': 'description',
            },
            'executes_code': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'bool',
                    },
                    'default': False,
                },
                'validation_alias': 'executesCode',
                'serialization_alias': 'executesCode',
            },
            'sandbox': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': units.check_dns1123_subdomain,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'sandbox',
                'serialization_alias': 'sandbox',
            },
            'reason': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'reason',
                'serialization_alias': 'reason',
            },
            'kind': {
                'type': 'model-field',
                'schema': {
                    'type': 'literal',
                    'expected': [
                        'kubernetes',
                    ],
                },
                'validation_alias': 'kind',
                'serialization_alias': 'kind',
            },
            'rules': {
                'type': 'model-field',
                'schema': {
                    'type': 'list',
                    'items_schema': _PolicyRule,
                    'min_length': 1,
                },
                'validation_alias': 'rules',
                'serialization_alias': 'rules',
            },
            'cluster_scoped': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'bool',
                    },
                    'default': False,
                },
                'validation_alias': 'clusterScoped',
                'serialization_alias': 'clusterScoped',
            },
        },
        'model_name': 'KubernetesTool',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'KubernetesTool',
    },
    'ref': 'KubernetesTool',
}

_FunctionTool = {
    'cls': FunctionTool,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.function_name,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'name',
                'serialization_alias': 'name',
            },
            'description': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'description',
                'serialization_alias': 'description',
            },
            'executes_code': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'bool',
                    },
                    'default': False,
                },
                'validation_alias': 'executesCode',
                'serialization_alias': 'executesCode',
            },
            'sandbox': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': units.check_dns1123_subdomain,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'sandbox',
                'serialization_alias': 'sandbox',
            },
            'reason': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'reason',
                'serialization_alias': 'reason',
            },
            'kind': {
                'type': 'model-field',
                'schema': {
                    'type': 'literal',
                    'expected': [
                        'function',
                    ],
                },
                'validation_alias': 'kind',
                'serialization_alias': 'kind',
            },
        },
        'model_name': 'FunctionTool',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'FunctionTool',
    },
    'ref': 'FunctionTool',
}

_McpService = {
    'cls': McpService,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.dns_label,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'name',
                'serialization_alias': 'name',
            },
            'namespace': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.dns_label,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'namespace',
                'serialization_alias': 'namespace',
            },
            'port': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'int',
                        'ge': 1,
                        'le': 65535,
                    },
                    'default': 80,
                },
                'validation_alias': 'port',
                'serialization_alias': 'port',
            },
            'path': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'str',
                        'pattern': '^/[A-Za-z0-9._~/-]*$',
                    },
                    'default': '/mcp',
                },
                'validation_alias': 'path',
                'serialization_alias': 'path',
            },
        },
        'model_name': 'McpService',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'McpService',
    },
    'ref': 'McpService',
}

_McpTool = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.McpTool._one_target,
    },
    'schema': {
        'cls': McpTool,
        'type': 'model',
        'schema': {
            'type': 'model-fields',
            'fields': {
                'name': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'function-after',
                        'function': {
                            'type': 'no-info',
                            'function': shapes.dns_label,
                        },
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'validation_alias': 'name',
                    'serialization_alias': 'name',
                },
                'description': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'str',
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'description',
                    'serialization_alias': 'description',
                },
                'executes_code': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'bool',
                        },
                        'default': False,
                    },
                    'validation_alias': 'executesCode',
                    'serialization_alias': 'executesCode',
                },
                'sandbox': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'function-after',
                                'function': {
                                    'type': 'no-info',
                                    'function': units.check_dns1123_subdomain,
                                },
                                'schema': {
                                    'type': 'str',
                                },
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'sandbox',
                    'serialization_alias': 'sandbox',
                },
                'reason': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'str',
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'reason',
                    'serialization_alias': 'reason',
                },
                'kind': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'literal',
                        'expected': [
                            'mcp',
                        ],
                    },
                    'validation_alias': 'kind',
                    'serialization_alias': 'kind',
                },
                'url': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'function-after',
                                'function': {
                                    'type': 'no-info',
                                    'function': platform_fields.http_url,
                                },
                                'schema': {
                                    'type': 'str',
                                },
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'url',
                    'serialization_alias': 'url',
                },
                'service': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': _McpService,
                        },
                        'default': None,
                    },
                    'validation_alias': 'service',
                    'serialization_alias': 'service',
                },
                'tools': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'list',
                            'items_schema': {
                                'type': 'str',
                            },
                        },
                        'default_factory': shapes.new_list,
                        'default_factory_takes_data': False,
                    },
                    'validation_alias': 'tools',
                    'serialization_alias': 'tools',
                },
                'auth_secret': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'str',
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'authSecret',
                    'serialization_alias': 'authSecret',
                },
                'cidrs': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'list',
                            'items_schema': {
                                'type': 'function-after',
                                'function': {
                                    'type': 'no-info',
                                    'function': units.check_cidr,
                                },
                                'schema': {
                                    'type': 'str',
                                },
                            },
                        },
                        'default_factory': shapes.new_list,
                        'default_factory_takes_data': False,
                    },
                    'validation_alias': 'cidrs',
                    'serialization_alias': 'cidrs',
                },
            },
            'model_name': 'McpTool',
            'computed_fields': [],
        },
        'custom_init': False,
        'root_model': False,
        'config': {
            'extra_fields_behavior': 'forbid',
            'validate_default': True,
            'validate_by_alias': True,
            'validate_by_name': True,
            'title': 'McpTool',
        },
    },
    'ref': 'McpTool',
}

_Caller = {
    'cls': Caller,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'namespace': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.dns_label,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'namespace',
                'serialization_alias': 'namespace',
            },
            'agent': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.agent_name,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'agent',
                'serialization_alias': 'agent',
            },
        },
        'model_name': 'Caller',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Caller',
    },
    'ref': 'Caller',
}

_RemoteRef = {
    'cls': RemoteRef,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'key': {
                'type': 'model-field',
                'schema': {
                    'type': 'str',
                    'min_length': 1,
                },
                'validation_alias': 'key',
                'serialization_alias': 'key',
            },
            'version': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'version',
                'serialization_alias': 'version',
            },
            'property': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'property',
                'serialization_alias': 'property',
            },
        },
        'model_name': 'RemoteRef',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'RemoteRef',
    },
    'ref': 'RemoteRef',
}

_Secret = {
    'cls': Secret,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.dns_label,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'name',
                'serialization_alias': 'name',
            },
            'store': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': units.check_dns1123_subdomain,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'store',
                'serialization_alias': 'store',
            },
            'remote_ref': {
                'type': 'model-field',
                'schema': _RemoteRef,
                'validation_alias': 'remoteRef',
                'serialization_alias': 'remoteRef',
            },
            'mount': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'literal',
                        'expected': [
                            'file',
                            'env',
                        ],
                    },
                    'default': 'file',
                },
                'validation_alias': 'mount',
                'serialization_alias': 'mount',
            },
            'env': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                            'pattern': '^[A-Za-z_][A-Za-z0-9_]*$',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'env',
                'serialization_alias': 'env',
            },
            'refresh_interval': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'function-after',
                        'function': {
                            'type': 'no-info',
                            'function': shapes.duration,
                        },
                        'schema': {
                            'type': 'function-before',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.coerce_duration,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': '1h',
                },
                'validation_alias': 'refreshInterval',
                'serialization_alias': 'refreshInterval',
            },
        },
        'model_name': 'Secret',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Secret',
    },
    'ref': 'Secret',
}

_ForEach = {
    'cls': ForEach,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'from_': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.dns_label,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'from',
                'serialization_alias': 'from',
            },
            'parallelism': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'int',
                        'ge': 1,
                        'le': 1000,
                    },
                    'default': 5,
                },
                'validation_alias': 'parallelism',
                'serialization_alias': 'parallelism',
            },
        },
        'model_name': 'ForEach',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'ForEach',
    },
    'ref': 'ForEach',
}

_Retry = {
    'cls': Retry,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'limit': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'int',
                        'ge': 0,
                        'le': 20,
                    },
                    'default': 2,
                },
                'validation_alias': 'limit',
                'serialization_alias': 'limit',
            },
            'backoff': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'function-after',
                        'function': {
                            'type': 'no-info',
                            'function': shapes.duration,
                        },
                        'schema': {
                            'type': 'function-before',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.coerce_duration,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': '10s',
                },
                'validation_alias': 'backoff',
                'serialization_alias': 'backoff',
            },
            'factor': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'int',
                        'ge': 1,
                        'le': 10,
                    },
                    'default': 2,
                },
                'validation_alias': 'factor',
                'serialization_alias': 'factor',
            },
            'max_backoff': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.duration,
                            },
                            'schema': {
                                'type': 'function-before',
                                'function': {
                                    'type': 'no-info',
                                    'function': shapes.coerce_duration,
                                },
                                'schema': {
                                    'type': 'str',
                                },
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'maxBackoff',
                'serialization_alias': 'maxBackoff',
            },
        },
        'model_name': 'Retry',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Retry',
    },
    'ref': 'Retry',
}

_Step = {
    'cls': Step,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.dns_label,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'name',
                'serialization_alias': 'name',
            },
            'args': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': {
                            'type': 'str',
                        },
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'args',
                'serialization_alias': 'args',
            },
            'command': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'list',
                            'items_schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'command',
                'serialization_alias': 'command',
            },
            'image': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.image,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'image',
                'serialization_alias': 'image',
            },
            'depends_on': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.dns_label,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'dependsOn',
                'serialization_alias': 'dependsOn',
            },
            'for_each': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': _ForEach,
                    },
                    'default': None,
                },
                'validation_alias': 'forEach',
                'serialization_alias': 'forEach',
            },
            'retry': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': _Retry,
                    },
                    'default': None,
                },
                'validation_alias': 'retry',
                'serialization_alias': 'retry',
            },
            'timeout': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.duration,
                            },
                            'schema': {
                                'type': 'function-before',
                                'function': {
                                    'type': 'no-info',
                                    'function': shapes.coerce_duration,
                                },
                                'schema': {
                                    'type': 'str',
                                },
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'timeout',
                'serialization_alias': 'timeout',
            },
            'resources': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': _Resources,
                    },
                    'default': None,
                },
                'validation_alias': 'resources',
                'serialization_alias': 'resources',
            },
            'env': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'dict',
                        'keys_schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': units.check_env_name,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                        'values_schema': {
                            'type': 'str',
                        },
                    },
                    'default_factory': shapes.new_dict,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'env',
                'serialization_alias': 'env',
            },
        },
        'model_name': 'Step',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Step',
    },
    'ref': 'Step',
}

_Workflow = {
    'cls': Workflow,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'steps': {
                'type': 'model-field',
                'schema': {
                    'type': 'list',
                    'items_schema': _Step,
                    'min_length': 1,
                },
                'validation_alias': 'steps',
                'serialization_alias': 'steps',
            },
            'parameters': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'function-before',
                        'function': {
                            'type': 'no-info',
                            'function': shapes.workflow_parameters,
                        },
                        'schema': {
                            'type': 'dict',
                            'keys_schema': {
                                'type': 'str',
                            },
                            'values_schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default_factory': shapes.new_dict,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'parameters',
                'serialization_alias': 'parameters',
            },
            'deadline': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'function-after',
                        'function': {
                            'type': 'no-info',
                            'function': shapes.duration,
                        },
                        'schema': {
                            'type': 'function-before',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.coerce_duration,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': '6h',
                },
                'validation_alias': 'deadline',
                'serialization_alias': 'deadline',
            },
            'parallelism': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'int',
                        'ge': 1,
                        'le': 1000,
                    },
                    'default': 10,
                },
                'validation_alias': 'parallelism',
                'serialization_alias': 'parallelism',
            },
            'ttl_after_finished': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'function-after',
                        'function': {
                            'type': 'no-info',
                            'function': shapes.duration,
                        },
                        'schema': {
                            'type': 'function-before',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.coerce_duration,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': '1d',
                },
                'validation_alias': 'ttlAfterFinished',
                'serialization_alias': 'ttlAfterFinished',
            },
        },
        'model_name': 'Workflow',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Workflow',
    },
    'ref': 'Workflow',
}

_Budget = {
    'cls': Budget,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'per_run_usd': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'decimal',
                            'ge': 0,
                            'le': 1000000000,
                            'decimal_places': 6,
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'perRunUSD',
                'serialization_alias': 'perRunUSD',
            },
            'daily_usd': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'decimal',
                            'ge': 0,
                            'le': 1000000000,
                            'decimal_places': 6,
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'dailyUSD',
                'serialization_alias': 'dailyUSD',
            },
            'daily_ledger': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'literal',
                        'expected': [
                            'memory',
                            'cluster',
                        ],
                    },
                    'default': 'memory',
                },
                'validation_alias': 'dailyLedger',
                'serialization_alias': 'dailyLedger',
            },
        },
        'model_name': 'Budget',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Budget',
    },
    'ref': 'Budget',
}

_Guardrails = {
    'cls': Guardrails,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'budget': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _Budget,
                    'default_factory': shapes.model_defaults,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'budget',
                'serialization_alias': 'budget',
            },
            'max_steps': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'int',
                            'ge': 1,
                            'le': 10000,
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'maxSteps',
                'serialization_alias': 'maxSteps',
            },
            'max_tool_calls': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'int',
                            'ge': 0,
                            'le': 100000,
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'maxToolCalls',
                'serialization_alias': 'maxToolCalls',
            },
            'timeout': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.duration,
                            },
                            'schema': {
                                'type': 'function-before',
                                'function': {
                                    'type': 'no-info',
                                    'function': shapes.coerce_duration,
                                },
                                'schema': {
                                    'type': 'str',
                                },
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'timeout',
                'serialization_alias': 'timeout',
            },
        },
        'model_name': 'Guardrails',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Guardrails',
    },
    'ref': 'Guardrails',
}

_Evaluation = {
    'cls': Evaluation,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'task_success_rate': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'definition-ref',
                            'schema_ref': 'Gate',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'taskSuccessRate',
                'serialization_alias': 'taskSuccessRate',
            },
            'tool_use_accuracy': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'definition-ref',
                            'schema_ref': 'Gate',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'toolUseAccuracy',
                'serialization_alias': 'toolUseAccuracy',
            },
            'hallucination_rate': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'definition-ref',
                            'schema_ref': 'Gate',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'hallucinationRate',
                'serialization_alias': 'hallucinationRate',
            },
            'guardrail_adherence': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'definition-ref',
                            'schema_ref': 'Gate',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'guardrailAdherence',
                'serialization_alias': 'guardrailAdherence',
            },
        },
        'model_name': 'Evaluation',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Evaluation',
    },
    'ref': 'Evaluation',
}

_Observability = {
    'cls': Observability,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'sample_ratio': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'float',
                        'ge': 0,
                        'le': 1,
                    },
                    'default': 1.0,
                },
                'validation_alias': 'sampleRatio',
                'serialization_alias': 'sampleRatio',
            },
            'capture_content': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'bool',
                    },
                    'default': False,
                },
                'validation_alias': 'captureContent',
                'serialization_alias': 'captureContent',
            },
            'otlp_endpoint': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': platform_fields.http_url,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'otlpEndpoint',
                'serialization_alias': 'otlpEndpoint',
            },
        },
        'model_name': 'Observability',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Observability',
    },
    'ref': 'Observability',
}

_Suppression = {
    'cls': Suppression,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'check': {
                'type': 'model-field',
                'schema': {
                    'type': 'str',
                    'pattern': '^[A-Z]+-[0-9]{3}$',
                },
                'validation_alias': 'check',
                'serialization_alias': 'check',
            },
            'reason': {
                'type': 'model-field',
                'schema': {
                    'type': 'str',
                    'min_length': 3,
                },
                'validation_alias': 'reason',
                'serialization_alias': 'reason',
            },
            'object': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'object',
                'serialization_alias': 'object',
            },
            'container': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'container',
                'serialization_alias': 'container',
            },
            'expires': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'date',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'expires',
                'serialization_alias': 'expires',
            },
        },
        'model_name': 'Suppression',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Suppression',
    },
    'ref': 'Suppression',
}

_AgentSpecBody = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.AgentSpecBody._consistency,
    },
    'schema': {
        'cls': AgentSpecBody,
        'type': 'model',
        'schema': {
            'type': 'model-fields',
            'fields': {
                'type': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'enum',
                        'cls': shapes.AgentType,
                        'members': [
                            shapes.AgentType.service,
                            shapes.AgentType.stateful,
                            shapes.AgentType.job,
                            shapes.AgentType.workflow,
                        ],
                        'sub_type': 'str',
                        'ref': 'AgentType',
                    },
                    'validation_alias': 'type',
                    'serialization_alias': 'type',
                },
                'image': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'function-after',
                        'function': {
                            'type': 'no-info',
                            'function': shapes.image,
                        },
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'validation_alias': 'image',
                    'serialization_alias': 'image',
                },
                'command': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'list',
                                'items_schema': {
                                    'type': 'str',
                                },
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'command',
                    'serialization_alias': 'command',
                },
                'args': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'list',
                                'items_schema': {
                                    'type': 'str',
                                },
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'args',
                    'serialization_alias': 'args',
                },
                'port': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'int',
                                'ge': 1,
                                'le': 65535,
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'port',
                    'serialization_alias': 'port',
                },
                'health_path': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'str',
                            'pattern': '^/',
                        },
                        'default': '/healthz',
                    },
                    'validation_alias': 'healthPath',
                    'serialization_alias': 'healthPath',
                },
                'ready_path': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'str',
                            'pattern': '^/',
                        },
                        'default': '/readyz',
                    },
                    'validation_alias': 'readyPath',
                    'serialization_alias': 'readyPath',
                },
                'model': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': _ModelSpec,
                        },
                        'default': None,
                    },
                    'validation_alias': 'model',
                    'serialization_alias': 'model',
                },
                'memory': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': _Memory,
                        },
                        'default': None,
                    },
                    'validation_alias': 'memory',
                    'serialization_alias': 'memory',
                },
                'tools': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'list',
                            'items_schema': {
                                'type': 'tagged-union',
                                'choices': {
                                    'service': _ServiceTool,
                                    'http': _HttpTool,
                                    'tcp': _TcpTool,
                                    'kubernetes': _KubernetesTool,
                                    'function': _FunctionTool,
                                    'mcp': _McpTool,
                                },
                                'discriminator': 'kind',
                                'strict': False,
                                'from_attributes': True,
                            },
                        },
                        'default_factory': shapes.new_list,
                        'default_factory_takes_data': False,
                    },
                    'validation_alias': 'tools',
                    'serialization_alias': 'tools',
                },
                'cloud_identity': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'str',
                                'min_length': 1,
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'cloudIdentity',
                    'serialization_alias': 'cloudIdentity',
                },
                'callers': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'list',
                            'items_schema': _Caller,
                        },
                        'default_factory': shapes.new_list,
                        'default_factory_takes_data': False,
                    },
                    'validation_alias': 'callers',
                    'serialization_alias': 'callers',
                },
                'secrets': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'list',
                            'items_schema': _Secret,
                        },
                        'default_factory': shapes.new_list,
                        'default_factory_takes_data': False,
                    },
                    'validation_alias': 'secrets',
                    'serialization_alias': 'secrets',
                },
                'env': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'dict',
                            'keys_schema': {
                                'type': 'function-after',
                                'function': {
                                    'type': 'no-info',
                                    'function': units.check_env_name,
                                },
                                'schema': {
                                    'type': 'str',
                                },
                            },
                            'values_schema': {
                                'type': 'str',
                            },
                        },
                        'default_factory': shapes.new_dict,
                        'default_factory_takes_data': False,
                    },
                    'validation_alias': 'env',
                    'serialization_alias': 'env',
                },
                'resources': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': _Resources,
                        'default_factory': shapes.model_defaults,
                        'default_factory_takes_data': False,
                    },
                    'validation_alias': 'resources',
                    'serialization_alias': 'resources',
                },
                'scaling': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': _Scaling,
                        },
                        'default': None,
                    },
                    'validation_alias': 'scaling',
                    'serialization_alias': 'scaling',
                },
                'schedule': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'function-after',
                                'function': {
                                    'type': 'no-info',
                                    'function': shapes.cron,
                                },
                                'schema': {
                                    'type': 'str',
                                },
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'schedule',
                    'serialization_alias': 'schedule',
                },
                'workflow': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': _Workflow,
                        },
                        'default': None,
                    },
                    'validation_alias': 'workflow',
                    'serialization_alias': 'workflow',
                },
                'guardrails': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': _Guardrails,
                        'default_factory': shapes.model_defaults,
                        'default_factory_takes_data': False,
                    },
                    'validation_alias': 'guardrails',
                    'serialization_alias': 'guardrails',
                },
                'evaluation': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': _Evaluation,
                        },
                        'default': None,
                    },
                    'validation_alias': 'evaluation',
                    'serialization_alias': 'evaluation',
                },
                'observability': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': _Observability,
                        'default_factory': shapes.model_defaults,
                        'default_factory_takes_data': False,
                    },
                    'validation_alias': 'observability',
                    'serialization_alias': 'observability',
                },
                'suppressions': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'list',
                            'items_schema': _Suppression,
                        },
                        'default_factory': shapes.new_list,
                        'default_factory_takes_data': False,
                    },
                    'validation_alias': 'suppressions',
                    'serialization_alias': 'suppressions',
                },
                'environments': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'dict',
                            'keys_schema': {
                                'type': 'function-after',
                                'function': {
                                    'type': 'no-info',
                                    'function': shapes.dns_label,
                                },
                                'schema': {
                                    'type': 'str',
                                },
                            },
                            'values_schema': {
                                'type': 'dict',
                                'keys_schema': {
                                    'type': 'str',
                                },
                                'values_schema': {
                                    'type': 'any',
                                },
                            },
                        },
                        'default_factory': shapes.new_dict,
                        'default_factory_takes_data': False,
                    },
                    'validation_alias': 'environments',
                    'serialization_alias': 'environments',
                },
            },
            'model_name': 'AgentSpecBody',
            'computed_fields': [],
        },
        'custom_init': False,
        'root_model': False,
        'config': {
            'extra_fields_behavior': 'forbid',
            'validate_default': True,
            'validate_by_alias': True,
            'validate_by_name': True,
            'title': 'AgentSpecBody',
        },
    },
    'ref': 'AgentSpecBody',
}

_Agent = {
    'cls': Agent,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'api_version': {
                'type': 'model-field',
                'schema': {
                    'type': 'literal',
                    'expected': [
                        'agentctl.dev/v1alpha1',
                    ],
                },
                'validation_alias': 'apiVersion',
                'serialization_alias': 'apiVersion',
            },
            'kind': {
                'type': 'model-field',
                'schema': {
                    'type': 'literal',
                    'expected': [
                        'Agent',
                    ],
                },
                'validation_alias': 'kind',
                'serialization_alias': 'kind',
            },
            'metadata': {
                'type': 'model-field',
                'schema': _Metadata,
                'validation_alias': 'metadata',
                'serialization_alias': 'metadata',
            },
            'spec': {
                'type': 'model-field',
                'schema': _AgentSpecBody,
                'validation_alias': 'spec',
                'serialization_alias': 'spec',
            },
        },
        'model_name': 'Agent',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Agent',
    },
    'ref': 'Agent',
}

_Gate = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.Gate._one,
    },
    'schema': {
        'cls': Gate,
        'type': 'model',
        'schema': {
            'type': 'model-fields',
            'fields': {
                'min': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'float',
                                'ge': 0,
                                'le': 1,
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'min',
                    'serialization_alias': 'min',
                },
                'max': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'float',
                                'ge': 0,
                                'le': 1,
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'max',
                    'serialization_alias': 'max',
                },
                'min_samples': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'int',
                            'ge': 1,
                        },
                        'default': 20,
                    },
                    'validation_alias': 'minSamples',
                    'serialization_alias': 'minSamples',
                },
            },
            'model_name': 'Gate',
            'computed_fields': [],
        },
        'custom_init': False,
        'root_model': False,
        'config': {
            'extra_fields_behavior': 'forbid',
            'validate_default': True,
            'validate_by_alias': True,
            'validate_by_name': True,
            'title': 'Gate',
        },
    },
    'ref': 'Gate',
}

_ModelAllow = {
    'cls': ModelAllow,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'provider': {
                'type': 'model-field',
                'schema': {
                    'type': 'str',
                    'min_length': 1,
                },
                'validation_alias': 'provider',
                'serialization_alias': 'provider',
            },
            'name': {
                'type': 'model-field',
                'schema': {
                    'type': 'str',
                    'min_length': 1,
                },
                'validation_alias': 'name',
                'serialization_alias': 'name',
            },
        },
        'model_name': 'ModelAllow',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'ModelAllow',
    },
    'ref': 'ModelAllow',
}

_SecretStoreRef = {
    'cls': SecretStoreRef,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'kind': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'literal',
                        'expected': [
                            'SecretStore',
                            'ClusterSecretStore',
                        ],
                    },
                    'default': 'ClusterSecretStore',
                },
                'validation_alias': 'kind',
                'serialization_alias': 'kind',
            },
            'key_prefix': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'keyPrefix',
                'serialization_alias': 'keyPrefix',
            },
        },
        'model_name': 'SecretStoreRef',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'SecretStoreRef',
    },
    'ref': 'SecretStoreRef',
}

_EgressProxy = {
    'cls': EgressProxy,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'service': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.dns_label,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'service',
                'serialization_alias': 'service',
            },
            'namespace': {
                'type': 'model-field',
                'schema': {
                    'type': 'function-after',
                    'function': {
                        'type': 'no-info',
                        'function': shapes.dns_label,
                    },
                    'schema': {
                        'type': 'str',
                    },
                },
                'validation_alias': 'namespace',
                'serialization_alias': 'namespace',
            },
            'port': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'int',
                        'ge': 1,
                        'le': 65535,
                    },
                    'default': 3128,
                },
                'validation_alias': 'port',
                'serialization_alias': 'port',
            },
        },
        'model_name': 'EgressProxy',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'EgressProxy',
    },
    'ref': 'EgressProxy',
}

_Egress = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.Egress._proxy,
    },
    'schema': {
        'cls': Egress,
        'type': 'model',
        'schema': {
            'type': 'model-fields',
            'fields': {
                'mode': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'literal',
                            'expected': [
                                'proxy',
                                'fqdn',
                                'cidr',
                                'none',
                            ],
                        },
                        'default': 'none',
                    },
                    'validation_alias': 'mode',
                    'serialization_alias': 'mode',
                },
                'proxy': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': _EgressProxy,
                        },
                        'default': None,
                    },
                    'validation_alias': 'proxy',
                    'serialization_alias': 'proxy',
                },
                'fqdn_flavor': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'literal',
                            'expected': [
                                'cilium',
                                'gke',
                            ],
                        },
                        'default': 'cilium',
                    },
                    'validation_alias': 'fqdnFlavor',
                    'serialization_alias': 'fqdnFlavor',
                },
            },
            'model_name': 'Egress',
            'computed_fields': [],
        },
        'custom_init': False,
        'root_model': False,
        'config': {
            'extra_fields_behavior': 'forbid',
            'validate_default': True,
            'validate_by_alias': True,
            'validate_by_name': True,
            'title': 'Egress',
        },
    },
    'ref': 'Egress',
}

_WorkloadIdentity = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.WorkloadIdentity._needs,
    },
    'schema': {
        'cls': WorkloadIdentity,
        'type': 'model',
        'schema': {
            'type': 'model-fields',
            'fields': {
                'provider': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'literal',
                        'expected': [
                            'gke',
                            'eks',
                            'azure',
                        ],
                    },
                    'validation_alias': 'provider',
                    'serialization_alias': 'provider',
                },
                'project_id': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'str',
                                'pattern': '^[a-z][a-z0-9-]{4,28}[a-z0-9]$',
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'projectId',
                    'serialization_alias': 'projectId',
                },
                'role_arn': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'str',
                                'pattern': '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/{}-]+$',
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'roleArn',
                    'serialization_alias': 'roleArn',
                },
                'client_id': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': {
                                'type': 'str',
                                'pattern': '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
                            },
                        },
                        'default': None,
                    },
                    'validation_alias': 'clientId',
                    'serialization_alias': 'clientId',
                },
            },
            'model_name': 'WorkloadIdentity',
            'computed_fields': [],
        },
        'custom_init': False,
        'root_model': False,
        'config': {
            'extra_fields_behavior': 'forbid',
            'validate_default': True,
            'validate_by_alias': True,
            'validate_by_name': True,
            'title': 'WorkloadIdentity',
        },
    },
    'ref': 'WorkloadIdentity',
}

_TraceSource = {
    'cls': TraceSource,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'source': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'literal',
                        'expected': [
                            'jaeger',
                            'tempo',
                            'local',
                        ],
                    },
                    'default': 'local',
                },
                'validation_alias': 'source',
                'serialization_alias': 'source',
            },
            'url': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': platform_fields.http_url,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'url',
                'serialization_alias': 'url',
            },
        },
        'model_name': 'TraceSource',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'TraceSource',
    },
    'ref': 'TraceSource',
}

_Telemetry = {
    'cls': Telemetry,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'otlp_endpoint': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'function-after',
                        'function': {
                            'type': 'no-info',
                            'function': platform_fields.http_url,
                        },
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': 'http://otel-collector.observability:4318',
                },
                'validation_alias': 'otlpEndpoint',
                'serialization_alias': 'otlpEndpoint',
            },
            'collector_namespace': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'str',
                    },
                    'default': 'observability',
                },
                'validation_alias': 'collectorNamespace',
                'serialization_alias': 'collectorNamespace',
            },
            'collector_labels': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'dict',
                        'keys_schema': {
                            'type': 'str',
                        },
                        'values_schema': {
                            'type': 'str',
                        },
                    },
                    'default_factory': shapes.default_collector_labels,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'collectorLabels',
                'serialization_alias': 'collectorLabels',
            },
            'traces': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _TraceSource,
                    'default_factory': shapes.model_defaults,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'traces',
                'serialization_alias': 'traces',
            },
            'cost_source': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': platform_fields.http_url,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'costSource',
                'serialization_alias': 'costSource',
            },
            'allow_capture_content': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'bool',
                    },
                    'default': False,
                },
                'validation_alias': 'allowCaptureContent',
                'serialization_alias': 'allowCaptureContent',
            },
        },
        'model_name': 'Telemetry',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Telemetry',
    },
    'ref': 'Telemetry',
}

_NetworkSettings = {
    'cls': NetworkSettings,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'ingress_namespaces': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.dns_label,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'ingressNamespaces',
                'serialization_alias': 'ingressNamespaces',
            },
            'allowed_cidrs': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': units.check_cidr,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'allowedCidrs',
                'serialization_alias': 'allowedCidrs',
            },
            'api_server_cidrs': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': units.check_cidr,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'apiServerCidrs',
                'serialization_alias': 'apiServerCidrs',
            },
        },
        'model_name': 'NetworkSettings',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'NetworkSettings',
    },
    'ref': 'NetworkSettings',
}

_Limits = {
    'cls': Limits,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'max_budget_per_run_usd': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'decimal',
                        'ge': 0,
                        'le': 1000000000,
                        'decimal_places': 6,
                    },
                    'default': Decimal('5'),
                },
                'validation_alias': 'maxBudgetPerRunUSD',
                'serialization_alias': 'maxBudgetPerRunUSD',
            },
            'max_daily_budget_usd': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'decimal',
                        'ge': 0,
                        'le': 1000000000,
                        'decimal_places': 6,
                    },
                    'default': Decimal('100'),
                },
                'validation_alias': 'maxDailyBudgetUSD',
                'serialization_alias': 'maxDailyBudgetUSD',
            },
            'max_cpu': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'function-after',
                        'function': {
                            'type': 'no-info',
                            'function': shapes.quantity,
                        },
                        'schema': {
                            'type': 'function-before',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.coerce_quantity,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': '4',
                },
                'validation_alias': 'maxCPU',
                'serialization_alias': 'maxCPU',
            },
            'max_memory': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'function-after',
                        'function': {
                            'type': 'no-info',
                            'function': shapes.quantity,
                        },
                        'schema': {
                            'type': 'function-before',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.coerce_quantity,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default': '8Gi',
                },
                'validation_alias': 'maxMemory',
                'serialization_alias': 'maxMemory',
            },
            'max_replicas': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'int',
                        'ge': 1,
                    },
                    'default': 20,
                },
                'validation_alias': 'maxReplicas',
                'serialization_alias': 'maxReplicas',
            },
        },
        'model_name': 'Limits',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Limits',
    },
    'ref': 'Limits',
}

_ComputePricing = {
    'cls': ComputePricing,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'cpu_hour_usd': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'float',
                        'ge': 0,
                        'le': 1000000,
                    },
                    'default': 0.0445,
                },
                'validation_alias': 'cpuHourUSD',
                'serialization_alias': 'cpuHourUSD',
            },
            'memory_gib_hour_usd': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'float',
                        'ge': 0,
                        'le': 1000000,
                    },
                    'default': 0.0049225,
                },
                'validation_alias': 'memoryGiBHourUSD',
                'serialization_alias': 'memoryGiBHourUSD',
            },
            'storage_gib_month_usd': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'float',
                        'ge': 0,
                        'le': 1000000,
                    },
                    'default': 0.04,
                },
                'validation_alias': 'storageGiBMonthUSD',
                'serialization_alias': 'storageGiBMonthUSD',
            },
            'name': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'str',
                    },
                    'default': 'GKE Autopilot general-purpose, us-central1 (on-demand)',
                },
                'validation_alias': 'name',
                'serialization_alias': 'name',
            },
        },
        'model_name': 'ComputePricing',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'ComputePricing',
    },
    'ref': 'ComputePricing',
}

_Pricing = {
    'cls': Pricing,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'compute': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _ComputePricing,
                    'default_factory': shapes.model_defaults,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'compute',
                'serialization_alias': 'compute',
            },
        },
        'model_name': 'Pricing',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Pricing',
    },
    'ref': 'Pricing',
}

_Exception_ = {
    'cls': Exception_,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'check': {
                'type': 'model-field',
                'schema': {
                    'type': 'str',
                    'pattern': '^[A-Z]+-[0-9]{3}$',
                },
                'validation_alias': 'check',
                'serialization_alias': 'check',
            },
            'reason': {
                'type': 'model-field',
                'schema': {
                    'type': 'str',
                    'min_length': 3,
                },
                'validation_alias': 'reason',
                'serialization_alias': 'reason',
            },
            'agent': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'agent',
                'serialization_alias': 'agent',
            },
            'object': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'object',
                'serialization_alias': 'object',
            },
            'container': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'container',
                'serialization_alias': 'container',
            },
            'expires': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'date',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'expires',
                'serialization_alias': 'expires',
            },
        },
        'model_name': 'Exception_',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Exception_',
    },
    'ref': 'Exception_',
}

_FieldRule = {
    'cls': FieldRule,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'id': {
                'type': 'model-field',
                'schema': {
                    'type': 'str',
                    'pattern': '^[A-Z]+-[0-9]{3}$',
                },
                'validation_alias': 'id',
                'serialization_alias': 'id',
            },
            'kinds': {
                'type': 'model-field',
                'schema': {
                    'type': 'list',
                    'items_schema': {
                        'type': 'str',
                    },
                    'min_length': 1,
                },
                'validation_alias': 'kinds',
                'serialization_alias': 'kinds',
            },
            'path': {
                'type': 'model-field',
                'schema': {
                    'type': 'str',
                    'min_length': 1,
                },
                'validation_alias': 'path',
                'serialization_alias': 'path',
            },
            'match': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'match',
                'serialization_alias': 'match',
            },
            'not_match': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'notMatch',
                'serialization_alias': 'notMatch',
            },
            'exists': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': {
                            'type': 'bool',
                        },
                    },
                    'default': None,
                },
                'validation_alias': 'exists',
                'serialization_alias': 'exists',
            },
            'severity': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'literal',
                        'expected': [
                            'low',
                            'medium',
                            'high',
                            'critical',
                        ],
                    },
                    'default': 'medium',
                },
                'validation_alias': 'severity',
                'serialization_alias': 'severity',
            },
            'message': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'str',
                    },
                    'default': '',
                },
                'validation_alias': 'message',
                'serialization_alias': 'message',
            },
            'remediation': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'str',
                    },
                    'default': '',
                },
                'validation_alias': 'remediation',
                'serialization_alias': 'remediation',
            },
        },
        'model_name': 'FieldRule',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'FieldRule',
    },
    'ref': 'FieldRule',
}

_PolicySettings = {
    'cls': PolicySettings,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'fail_on': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'literal',
                        'expected': [
                            'low',
                            'medium',
                            'high',
                            'critical',
                        ],
                    },
                    'default': 'high',
                },
                'validation_alias': 'failOn',
                'serialization_alias': 'failOn',
            },
            'severity': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'dict',
                        'keys_schema': {
                            'type': 'str',
                        },
                        'values_schema': {
                            'type': 'literal',
                            'expected': [
                                'low',
                                'medium',
                                'high',
                                'critical',
                            ],
                        },
                    },
                    'default_factory': shapes.new_dict,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'severity',
                'serialization_alias': 'severity',
            },
            'exceptions': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': _Exception_,
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'exceptions',
                'serialization_alias': 'exceptions',
            },
            'allow_inline_suppressions': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'bool',
                    },
                    'default': True,
                },
                'validation_alias': 'allowInlineSuppressions',
                'serialization_alias': 'allowInlineSuppressions',
            },
            'checks': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': _FieldRule,
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'checks',
                'serialization_alias': 'checks',
            },
            'allow_no_gate': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'bool',
                    },
                    'default': False,
                },
                'validation_alias': 'allowNoGate',
                'serialization_alias': 'allowNoGate',
            },
            'allow_kinds': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': shapes.kind_ref,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'allowKinds',
                'serialization_alias': 'allowKinds',
            },
        },
        'model_name': 'PolicySettings',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'PolicySettings',
    },
    'ref': 'PolicySettings',
}

_Platform = {
    'cls': Platform,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'api_version': {
                'type': 'model-field',
                'schema': {
                    'type': 'literal',
                    'expected': [
                        'agentctl.dev/v1alpha1',
                    ],
                },
                'validation_alias': 'apiVersion',
                'serialization_alias': 'apiVersion',
            },
            'kind': {
                'type': 'model-field',
                'schema': {
                    'type': 'literal',
                    'expected': [
                        'Platform',
                    ],
                },
                'validation_alias': 'kind',
                'serialization_alias': 'kind',
            },
            'namespace': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'function-after',
                        'function': {
                            'type': 'no-info',
                            'function': shapes.platform_namespace,
                        },
                        'schema': {
                            'type': 'str',
                        },
                    },
                    'default': 'agents-{team}',
                },
                'validation_alias': 'namespace',
                'serialization_alias': 'namespace',
            },
            'registries': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': {
                            'type': 'str',
                            'min_length': 1,
                        },
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'registries',
                'serialization_alias': 'registries',
            },
            'models': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': _ModelAllow,
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'models',
                'serialization_alias': 'models',
            },
            'secret_stores': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'dict',
                        'keys_schema': {
                            'type': 'function-after',
                            'function': {
                                'type': 'no-info',
                                'function': units.check_dns1123_subdomain,
                            },
                            'schema': {
                                'type': 'str',
                            },
                        },
                        'values_schema': _SecretStoreRef,
                    },
                    'default_factory': shapes.default_stores,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'secretStores',
                'serialization_alias': 'secretStores',
            },
            'egress': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _Egress,
                    'default_factory': shapes.model_defaults,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'egress',
                'serialization_alias': 'egress',
            },
            'workload_identity': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': _WorkloadIdentity,
                    },
                    'default': None,
                },
                'validation_alias': 'workloadIdentity',
                'serialization_alias': 'workloadIdentity',
            },
            'telemetry': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _Telemetry,
                    'default_factory': shapes.model_defaults,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'telemetry',
                'serialization_alias': 'telemetry',
            },
            'network': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _NetworkSettings,
                    'default_factory': shapes.model_defaults,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'network',
                'serialization_alias': 'network',
            },
            'limits': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _Limits,
                    'default_factory': shapes.model_defaults,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'limits',
                'serialization_alias': 'limits',
            },
            'required_labels': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': {
                            'type': 'str',
                        },
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'requiredLabels',
                'serialization_alias': 'requiredLabels',
            },
            'pricing': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _Pricing,
                    'default_factory': shapes.model_defaults,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'pricing',
                'serialization_alias': 'pricing',
            },
            'mcp_servers': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': {
                            'type': 'str',
                        },
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'mcpServers',
                'serialization_alias': 'mcpServers',
            },
            'trusted_templates': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'list',
                        'items_schema': {
                            'type': 'str',
                        },
                    },
                    'default_factory': shapes.new_list,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'trustedTemplates',
                'serialization_alias': 'trustedTemplates',
            },
            'policy': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _PolicySettings,
                    'default_factory': shapes.model_defaults,
                    'default_factory_takes_data': False,
                },
                'validation_alias': 'policy',
                'serialization_alias': 'policy',
            },
        },
        'model_name': 'Platform',
        'computed_fields': [],
    },
    'custom_init': False,
    'root_model': False,
    'config': {
        'extra_fields_behavior': 'forbid',
        'validate_default': True,
        'validate_by_alias': True,
        'validate_by_name': True,
        'title': 'Platform',
    },
    'ref': 'Platform',
}

AGENT = {
    'type': 'definitions',
    'schema': _Agent,
    'definitions': [
        _Gate,
    ],
}

PLATFORM = _Platform

MODELS = {
    'Agent': _Agent,
    'AgentSpecBody': _AgentSpecBody,
    'Budget': _Budget,
    'Caller': _Caller,
    'ComputePricing': _ComputePricing,
    'Egress': _Egress,
    'EgressProxy': _EgressProxy,
    'Evaluation': _Evaluation,
    'Exception_': _Exception_,
    'FieldRule': _FieldRule,
    'ForEach': _ForEach,
    'FunctionTool': _FunctionTool,
    'Gate': _Gate,
    'Guardrails': _Guardrails,
    'HttpTool': _HttpTool,
    'KubernetesTool': _KubernetesTool,
    'Limits': _Limits,
    'McpService': _McpService,
    'McpTool': _McpTool,
    'Memory': _Memory,
    'Metadata': _Metadata,
    'ModelAllow': _ModelAllow,
    'ModelSpec': _ModelSpec,
    'NetworkSettings': _NetworkSettings,
    'Observability': _Observability,
    'Platform': _Platform,
    'PolicyRule': _PolicyRule,
    'PolicySettings': _PolicySettings,
    'Pricing': _Pricing,
    'RemoteRef': _RemoteRef,
    'Resources': _Resources,
    'Retry': _Retry,
    'Scaling': _Scaling,
    'Secret': _Secret,
    'SecretStoreRef': _SecretStoreRef,
    'ServiceTool': _ServiceTool,
    'Step': _Step,
    'Suppression': _Suppression,
    'TcpTool': _TcpTool,
    'Telemetry': _Telemetry,
    'TraceSource': _TraceSource,
    'Workflow': _Workflow,
    'WorkloadIdentity': _WorkloadIdentity,
}
