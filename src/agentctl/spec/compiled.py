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


_shared_1 = {
    'type': 'literal',
    'expected': [
        'agentctl.dev/v1alpha1',
    ],
}

_shared_2 = {
    'type': 'model-field',
    'schema': _shared_1,
    'validation_alias': 'apiVersion',
    'serialization_alias': 'apiVersion',
}

_shared_3 = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.agent_name,
    },
    'schema': {
        'type': 'str',
    },
}

_shared_4 = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.dns_label,
    },
    'schema': {
        'type': 'str',
    },
}

_shared_5 = {
    'type': 'nullable',
    'schema': {
        'type': 'str',
    },
}

_shared_6 = {
    'type': 'default',
    'schema': _shared_5,
    'default': None,
}

_shared_7 = {
    'type': 'model-field',
    'schema': _shared_6,
    'validation_alias': 'description',
    'serialization_alias': 'description',
}

_shared_8 = {
    'type': 'dict',
    'keys_schema': {
        'type': 'str',
    },
    'values_schema': {
        'type': 'str',
    },
}

_Metadata = {
    'cls': Metadata,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': {
                'type': 'model-field',
                'schema': _shared_3,
                'validation_alias': 'name',
                'serialization_alias': 'name',
            },
            'team': {
                'type': 'model-field',
                'schema': _shared_4,
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
            'description': _shared_7,
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
                        'schema': _shared_8,
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
                        'schema': _shared_8,
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

_shared_9 = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.image,
    },
    'schema': {
        'type': 'str',
    },
}

_shared_10 = {
    'type': 'model-field',
    'schema': _shared_9,
    'validation_alias': 'image',
    'serialization_alias': 'image',
}

_shared_11 = {
    'type': 'list',
    'items_schema': {
        'type': 'str',
    },
}

_shared_12 = {
    'type': 'default',
    'schema': {
        'type': 'nullable',
        'schema': _shared_11,
    },
    'default': None,
}

_shared_13 = {
    'type': 'model-field',
    'schema': _shared_12,
    'validation_alias': 'command',
    'serialization_alias': 'command',
}

_shared_14 = {
    'type': 'model-field',
    'schema': _shared_12,
    'validation_alias': 'args',
    'serialization_alias': 'args',
}

_shared_15 = {
    'type': 'int',
    'ge': 1,
    'le': 65535,
}

_shared_16 = {
    'type': 'default',
    'schema': {
        'type': 'str',
        'pattern': '^/',
    },
    'default': '/healthz',
}

_shared_17 = {
    'type': 'model-field',
    'schema': _shared_16,
    'validation_alias': 'healthPath',
    'serialization_alias': 'healthPath',
}

_shared_18 = {
    'type': 'model-field',
    'schema': {
        'type': 'str',
        'min_length': 1,
    },
    'validation_alias': 'provider',
    'serialization_alias': 'provider',
}

_shared_19 = {
    'type': 'model-field',
    'schema': {
        'type': 'str',
        'min_length': 1,
    },
    'validation_alias': 'name',
    'serialization_alias': 'name',
}

_shared_20 = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': platform_fields.http_url,
    },
    'schema': {
        'type': 'str',
    },
}

_shared_21 = {
    'type': 'default',
    'schema': {
        'type': 'nullable',
        'schema': _shared_20,
    },
    'default': None,
}

_ModelSpec = {
    'cls': ModelSpec,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'provider': _shared_18,
            'name': _shared_19,
            'endpoint': {
                'type': 'model-field',
                'schema': _shared_21,
                'validation_alias': 'endpoint',
                'serialization_alias': 'endpoint',
            },
            'api_key_secret': {
                'type': 'model-field',
                'schema': _shared_6,
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

_shared_22 = {
    'type': 'function-before',
    'function': {
        'type': 'no-info',
        'function': shapes.coerce_quantity,
    },
    'schema': {
        'type': 'str',
    },
}

_shared_23 = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.quantity,
    },
    'schema': _shared_22,
}

_shared_24 = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': units.check_dns1123_subdomain,
    },
    'schema': {
        'type': 'str',
    },
}

_shared_25 = {
    'type': 'default',
    'schema': {
        'type': 'nullable',
        'schema': _shared_24,
    },
    'default': None,
}

_Memory = {
    'cls': Memory,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'size': {
                'type': 'model-field',
                'schema': _shared_23,
                'validation_alias': 'size',
                'serialization_alias': 'size',
            },
            'storage_class': {
                'type': 'model-field',
                'schema': _shared_25,
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

_shared_26 = {
    'type': 'model-field',
    'schema': _shared_4,
    'validation_alias': 'name',
    'serialization_alias': 'name',
}

_shared_27 = {
    'type': 'default',
    'schema': {
        'type': 'bool',
    },
    'default': False,
}

_shared_28 = {
    'type': 'model-field',
    'schema': _shared_27,
    'validation_alias': 'executesCode',
    'serialization_alias': 'executesCode',
}

_shared_29 = {
    'type': 'model-field',
    'schema': _shared_25,
    'validation_alias': 'sandbox',
    'serialization_alias': 'sandbox',
}

_shared_30 = {
    'type': 'model-field',
    'schema': _shared_6,
    'validation_alias': 'reason',
    'serialization_alias': 'reason',
}

_shared_31 = {
    'type': 'default',
    'schema': _shared_23,
    'default': '250m',
}

_shared_32 = {
    'type': 'model-field',
    'schema': _shared_31,
    'validation_alias': 'cpu',
    'serialization_alias': 'cpu',
}

_shared_33 = {
    'type': 'default',
    'schema': _shared_23,
    'default': '512Mi',
}

_shared_34 = {
    'type': 'model-field',
    'schema': _shared_33,
    'validation_alias': 'memory',
    'serialization_alias': 'memory',
}

_shared_35 = {
    'type': 'default',
    'schema': {
        'type': 'nullable',
        'schema': _shared_23,
    },
    'default': None,
}

_shared_36 = {
    'type': 'model-field',
    'schema': _shared_35,
    'validation_alias': 'cpuLimit',
    'serialization_alias': 'cpuLimit',
}

_shared_37 = {
    'type': 'model-field',
    'schema': _shared_35,
    'validation_alias': 'memoryLimit',
    'serialization_alias': 'memoryLimit',
}

_shared_38 = {
    'type': 'default',
    'schema': _shared_23,
    'default': '1Gi',
}

_shared_39 = {
    'type': 'model-field',
    'schema': _shared_38,
    'validation_alias': 'ephemeralStorage',
    'serialization_alias': 'ephemeralStorage',
}

_shared_40 = {
    'cpu': _shared_32,
    'memory': _shared_34,
    'cpu_limit': _shared_36,
    'memory_limit': _shared_37,
    'ephemeral_storage': _shared_39,
}

_shared_41 = {
    'type': 'model-fields',
    'fields': _shared_40,
    'model_name': 'Resources',
    'computed_fields': [],
}

_shared_42 = {
    'extra_fields_behavior': 'forbid',
    'validate_default': True,
    'validate_by_alias': True,
    'validate_by_name': True,
    'title': 'Resources',
}

_shared_43 = {
    'cls': Resources,
    'type': 'model',
    'schema': _shared_41,
    'custom_init': False,
    'root_model': False,
    'config': _shared_42,
}

_shared_44 = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.Resources._limits,
    },
    'schema': _shared_43,
    'ref': 'Resources',
}

_Resources = _shared_44

_shared_45 = {
    'type': 'default',
    'schema': {
        'type': 'nullable',
        'schema': _Resources,
    },
    'default': None,
}

_shared_46 = {
    'type': 'model-field',
    'schema': _shared_45,
    'validation_alias': 'resources',
    'serialization_alias': 'resources',
}

_shared_47 = {
    'type': 'int',
    'ge': 0,
    'le': 1000,
}

_shared_48 = {
    'type': 'default',
    'schema': _shared_47,
    'default': 1,
}

_shared_49 = {
    'type': 'model-field',
    'schema': _shared_48,
    'validation_alias': 'minReplicas',
    'serialization_alias': 'minReplicas',
}

_shared_50 = {
    'type': 'int',
    'ge': 1,
    'le': 1000,
}

_shared_51 = {
    'type': 'default',
    'schema': _shared_50,
    'default': 3,
}

_shared_52 = {
    'type': 'model-field',
    'schema': _shared_51,
    'validation_alias': 'maxReplicas',
    'serialization_alias': 'maxReplicas',
}

_shared_53 = {
    'type': 'int',
    'ge': 1,
    'le': 100,
}

_shared_54 = {
    'type': 'default',
    'schema': _shared_53,
    'default': 70,
}

_shared_55 = {
    'type': 'model-field',
    'schema': _shared_54,
    'validation_alias': 'targetCPUUtilization',
    'serialization_alias': 'targetCPUUtilization',
}

_shared_56 = {
    'min_replicas': _shared_49,
    'max_replicas': _shared_52,
    'target_cpu_utilization': _shared_55,
}

_shared_57 = {
    'type': 'model-fields',
    'fields': _shared_56,
    'model_name': 'Scaling',
    'computed_fields': [],
}

_shared_58 = {
    'extra_fields_behavior': 'forbid',
    'validate_default': True,
    'validate_by_alias': True,
    'validate_by_name': True,
    'title': 'Scaling',
}

_shared_59 = {
    'cls': Scaling,
    'type': 'model',
    'schema': _shared_57,
    'custom_init': False,
    'root_model': False,
    'config': _shared_58,
}

_shared_60 = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.Scaling._range,
    },
    'schema': _shared_59,
    'ref': 'Scaling',
}

_Scaling = _shared_60

_shared_61 = {
    'type': 'default',
    'schema': {
        'type': 'nullable',
        'schema': _Scaling,
    },
    'default': None,
}

_shared_62 = {
    'type': 'model-field',
    'schema': _shared_61,
    'validation_alias': 'scaling',
    'serialization_alias': 'scaling',
}

_shared_63 = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': units.check_env_name,
    },
    'schema': {
        'type': 'str',
    },
}

_shared_64 = {
    'type': 'dict',
    'keys_schema': _shared_63,
    'values_schema': {
        'type': 'str',
    },
}

_shared_65 = {
    'type': 'default',
    'schema': _shared_64,
    'default_factory': shapes.new_dict,
    'default_factory_takes_data': False,
}

_shared_66 = {
    'type': 'model-field',
    'schema': _shared_65,
    'validation_alias': 'env',
    'serialization_alias': 'env',
}

_ServiceTool = {
    'cls': ServiceTool,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': _shared_26,
            'description': _shared_7,
            'executes_code': _shared_28,
            'sandbox': _shared_29,
            'reason': _shared_30,
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
            'image': _shared_10,
            'port': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _shared_15,
                    'default': 8080,
                },
                'validation_alias': 'port',
                'serialization_alias': 'port',
            },
            'command': _shared_13,
            'args': _shared_14,
            'resources': _shared_46,
            'scaling': _shared_62,
            'env': _shared_66,
            'health_path': _shared_17,
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

_shared_67 = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': units.check_cidr,
    },
    'schema': {
        'type': 'str',
    },
}

_shared_68 = {
    'type': 'default',
    'schema': {
        'type': 'list',
        'items_schema': _shared_67,
    },
    'default_factory': shapes.new_list,
    'default_factory_takes_data': False,
}

_shared_69 = {
    'type': 'model-field',
    'schema': _shared_68,
    'validation_alias': 'cidrs',
    'serialization_alias': 'cidrs',
}

_HttpTool = {
    'cls': HttpTool,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': _shared_26,
            'description': _shared_7,
            'executes_code': _shared_28,
            'sandbox': _shared_29,
            'reason': _shared_30,
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
                'schema': _shared_20,
                'validation_alias': 'url',
                'serialization_alias': 'url',
            },
            'cidrs': _shared_69,
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
            'name': _shared_26,
            'description': _shared_7,
            'executes_code': _shared_28,
            'sandbox': _shared_29,
            'reason': _shared_30,
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
                'schema': _shared_15,
                'validation_alias': 'port',
                'serialization_alias': 'port',
            },
            'cidrs': _shared_69,
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

_shared_70 = {
    'type': 'list',
    'items_schema': {
        'type': 'str',
    },
    'min_length': 1,
}

_PolicyRule = {
    'cls': PolicyRule,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'api_groups': {
                'type': 'model-field',
                'schema': _shared_11,
                'validation_alias': 'apiGroups',
                'serialization_alias': 'apiGroups',
            },
            'resources': {
                'type': 'model-field',
                'schema': _shared_70,
                'validation_alias': 'resources',
                'serialization_alias': 'resources',
            },
            'verbs': {
                'type': 'model-field',
                'schema': _shared_70,
                'validation_alias': 'verbs',
                'serialization_alias': 'verbs',
            },
            'resource_names': {
                'type': 'model-field',
                'schema': _shared_12,
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
            'name': _shared_26,
            'description': _shared_7,
            'executes_code': _shared_28,
            'sandbox': _shared_29,
            'reason': _shared_30,
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
                'schema': _shared_27,
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
            'description': _shared_7,
            'executes_code': _shared_28,
            'sandbox': _shared_29,
            'reason': _shared_30,
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

_shared_71 = {
    'type': 'model-field',
    'schema': _shared_21,
    'validation_alias': 'url',
    'serialization_alias': 'url',
}

_McpService = {
    'cls': McpService,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': _shared_26,
            'namespace': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': _shared_4,
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
                    'schema': _shared_15,
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

_shared_72 = {
    'type': 'default',
    'schema': _shared_11,
    'default_factory': shapes.new_list,
    'default_factory_takes_data': False,
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
                'name': _shared_26,
                'description': _shared_7,
                'executes_code': _shared_28,
                'sandbox': _shared_29,
                'reason': _shared_30,
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
                'url': _shared_71,
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
                    'schema': _shared_72,
                    'validation_alias': 'tools',
                    'serialization_alias': 'tools',
                },
                'auth_secret': {
                    'type': 'model-field',
                    'schema': _shared_6,
                    'validation_alias': 'authSecret',
                    'serialization_alias': 'authSecret',
                },
                'cidrs': _shared_69,
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

_shared_73 = {
    'type': 'model-field',
    'schema': _shared_4,
    'validation_alias': 'namespace',
    'serialization_alias': 'namespace',
}

_Caller = {
    'cls': Caller,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'namespace': _shared_73,
            'agent': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': _shared_3,
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
                'schema': _shared_6,
                'validation_alias': 'version',
                'serialization_alias': 'version',
            },
            'property': {
                'type': 'model-field',
                'schema': _shared_6,
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

_shared_74 = {
    'type': 'function-before',
    'function': {
        'type': 'no-info',
        'function': shapes.coerce_duration,
    },
    'schema': {
        'type': 'str',
    },
}

_shared_75 = {
    'type': 'function-after',
    'function': {
        'type': 'no-info',
        'function': shapes.duration,
    },
    'schema': _shared_74,
}

_Secret = {
    'cls': Secret,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': _shared_26,
            'store': {
                'type': 'model-field',
                'schema': _shared_24,
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
                    'schema': _shared_75,
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

_shared_76 = {
    'type': 'default',
    'schema': {
        'type': 'list',
        'items_schema': _shared_4,
    },
    'default_factory': shapes.new_list,
    'default_factory_takes_data': False,
}

_ForEach = {
    'cls': ForEach,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'from_': {
                'type': 'model-field',
                'schema': _shared_4,
                'validation_alias': 'from',
                'serialization_alias': 'from',
            },
            'parallelism': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _shared_50,
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

_shared_77 = {
    'type': 'default',
    'schema': {
        'type': 'nullable',
        'schema': _shared_75,
    },
    'default': None,
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
                    'schema': _shared_75,
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
                'schema': _shared_77,
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

_shared_78 = {
    'type': 'model-field',
    'schema': _shared_77,
    'validation_alias': 'timeout',
    'serialization_alias': 'timeout',
}

_Step = {
    'cls': Step,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'name': _shared_26,
            'args': {
                'type': 'model-field',
                'schema': _shared_72,
                'validation_alias': 'args',
                'serialization_alias': 'args',
            },
            'command': _shared_13,
            'image': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': {
                        'type': 'nullable',
                        'schema': _shared_9,
                    },
                    'default': None,
                },
                'validation_alias': 'image',
                'serialization_alias': 'image',
            },
            'depends_on': {
                'type': 'model-field',
                'schema': _shared_76,
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
            'timeout': _shared_78,
            'resources': _shared_46,
            'env': _shared_66,
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
                        'schema': _shared_8,
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
                    'schema': _shared_75,
                    'default': '6h',
                },
                'validation_alias': 'deadline',
                'serialization_alias': 'deadline',
            },
            'parallelism': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _shared_50,
                    'default': 10,
                },
                'validation_alias': 'parallelism',
                'serialization_alias': 'parallelism',
            },
            'ttl_after_finished': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _shared_75,
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

_shared_79 = {
    'type': 'decimal',
    'ge': 0,
    'le': 1000000000,
    'decimal_places': 6,
}

_shared_80 = {
    'type': 'default',
    'schema': {
        'type': 'nullable',
        'schema': _shared_79,
    },
    'default': None,
}

_Budget = {
    'cls': Budget,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'per_run_usd': {
                'type': 'model-field',
                'schema': _shared_80,
                'validation_alias': 'perRunUSD',
                'serialization_alias': 'perRunUSD',
            },
            'daily_usd': {
                'type': 'model-field',
                'schema': _shared_80,
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
            'timeout': _shared_78,
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

_shared_81 = {
    'type': 'nullable',
    'schema': {
        'type': 'definition-ref',
        'schema_ref': 'Gate',
    },
}

_shared_82 = {
    'type': 'default',
    'schema': _shared_81,
    'default': None,
}

_Evaluation = {
    'cls': Evaluation,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'task_success_rate': {
                'type': 'model-field',
                'schema': _shared_82,
                'validation_alias': 'taskSuccessRate',
                'serialization_alias': 'taskSuccessRate',
            },
            'tool_use_accuracy': {
                'type': 'model-field',
                'schema': _shared_82,
                'validation_alias': 'toolUseAccuracy',
                'serialization_alias': 'toolUseAccuracy',
            },
            'hallucination_rate': {
                'type': 'model-field',
                'schema': _shared_82,
                'validation_alias': 'hallucinationRate',
                'serialization_alias': 'hallucinationRate',
            },
            'guardrail_adherence': {
                'type': 'model-field',
                'schema': _shared_82,
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

_shared_83 = {
    'type': 'float',
    'ge': 0,
    'le': 1,
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
                    'schema': _shared_83,
                    'default': 1.0,
                },
                'validation_alias': 'sampleRatio',
                'serialization_alias': 'sampleRatio',
            },
            'capture_content': {
                'type': 'model-field',
                'schema': _shared_27,
                'validation_alias': 'captureContent',
                'serialization_alias': 'captureContent',
            },
            'otlp_endpoint': {
                'type': 'model-field',
                'schema': _shared_21,
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

_shared_84 = {
    'type': 'model-field',
    'schema': {
        'type': 'str',
        'pattern': '^[A-Z]+-[0-9]{3}$',
    },
    'validation_alias': 'check',
    'serialization_alias': 'check',
}

_shared_85 = {
    'type': 'model-field',
    'schema': {
        'type': 'str',
        'min_length': 3,
    },
    'validation_alias': 'reason',
    'serialization_alias': 'reason',
}

_shared_86 = {
    'type': 'model-field',
    'schema': _shared_6,
    'validation_alias': 'object',
    'serialization_alias': 'object',
}

_shared_87 = {
    'type': 'model-field',
    'schema': _shared_6,
    'validation_alias': 'container',
    'serialization_alias': 'container',
}

_shared_88 = {
    'type': 'nullable',
    'schema': {
        'type': 'date',
    },
}

_shared_89 = {
    'type': 'default',
    'schema': _shared_88,
    'default': None,
}

_shared_90 = {
    'type': 'model-field',
    'schema': _shared_89,
    'validation_alias': 'expires',
    'serialization_alias': 'expires',
}

_Suppression = {
    'cls': Suppression,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'check': _shared_84,
            'reason': _shared_85,
            'object': _shared_86,
            'container': _shared_87,
            'expires': _shared_90,
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
                'image': _shared_10,
                'command': _shared_13,
                'args': _shared_14,
                'port': {
                    'type': 'model-field',
                    'schema': {
                        'type': 'default',
                        'schema': {
                            'type': 'nullable',
                            'schema': _shared_15,
                        },
                        'default': None,
                    },
                    'validation_alias': 'port',
                    'serialization_alias': 'port',
                },
                'health_path': _shared_17,
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
                'env': _shared_66,
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
                'scaling': _shared_62,
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
                            'keys_schema': _shared_4,
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
            'api_version': _shared_2,
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

_shared_91 = {
    'type': 'default',
    'schema': {
        'type': 'nullable',
        'schema': _shared_83,
    },
    'default': None,
}

_shared_92 = {
    'type': 'default',
    'schema': {
        'type': 'int',
        'ge': 1,
    },
    'default': 20,
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
                    'schema': _shared_91,
                    'validation_alias': 'min',
                    'serialization_alias': 'min',
                },
                'max': {
                    'type': 'model-field',
                    'schema': _shared_91,
                    'validation_alias': 'max',
                    'serialization_alias': 'max',
                },
                'min_samples': {
                    'type': 'model-field',
                    'schema': _shared_92,
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
            'provider': _shared_18,
            'name': _shared_19,
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
                'schema': _shared_6,
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
                'schema': _shared_4,
                'validation_alias': 'service',
                'serialization_alias': 'service',
            },
            'namespace': _shared_73,
            'port': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _shared_15,
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
            'url': _shared_71,
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
                    'schema': _shared_20,
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
                    'schema': _shared_8,
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
                'schema': _shared_21,
                'validation_alias': 'costSource',
                'serialization_alias': 'costSource',
            },
            'allow_capture_content': {
                'type': 'model-field',
                'schema': _shared_27,
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
                'schema': _shared_76,
                'validation_alias': 'ingressNamespaces',
                'serialization_alias': 'ingressNamespaces',
            },
            'allowed_cidrs': {
                'type': 'model-field',
                'schema': _shared_68,
                'validation_alias': 'allowedCidrs',
                'serialization_alias': 'allowedCidrs',
            },
            'api_server_cidrs': {
                'type': 'model-field',
                'schema': _shared_68,
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
                    'schema': _shared_79,
                    'default': Decimal('5'),
                },
                'validation_alias': 'maxBudgetPerRunUSD',
                'serialization_alias': 'maxBudgetPerRunUSD',
            },
            'max_daily_budget_usd': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _shared_79,
                    'default': Decimal('100'),
                },
                'validation_alias': 'maxDailyBudgetUSD',
                'serialization_alias': 'maxDailyBudgetUSD',
            },
            'max_cpu': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _shared_23,
                    'default': '4',
                },
                'validation_alias': 'maxCPU',
                'serialization_alias': 'maxCPU',
            },
            'max_memory': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _shared_23,
                    'default': '8Gi',
                },
                'validation_alias': 'maxMemory',
                'serialization_alias': 'maxMemory',
            },
            'max_replicas': {
                'type': 'model-field',
                'schema': _shared_92,
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

_shared_93 = {
    'type': 'float',
    'ge': 0,
    'le': 1000000,
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
                    'schema': _shared_93,
                    'default': 0.0445,
                },
                'validation_alias': 'cpuHourUSD',
                'serialization_alias': 'cpuHourUSD',
            },
            'memory_gib_hour_usd': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _shared_93,
                    'default': 0.0049225,
                },
                'validation_alias': 'memoryGiBHourUSD',
                'serialization_alias': 'memoryGiBHourUSD',
            },
            'storage_gib_month_usd': {
                'type': 'model-field',
                'schema': {
                    'type': 'default',
                    'schema': _shared_93,
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

_shared_94 = [
    'low',
    'medium',
    'high',
    'critical',
]

_Exception_ = {
    'cls': Exception_,
    'type': 'model',
    'schema': {
        'type': 'model-fields',
        'fields': {
            'check': _shared_84,
            'reason': _shared_85,
            'agent': {
                'type': 'model-field',
                'schema': _shared_6,
                'validation_alias': 'agent',
                'serialization_alias': 'agent',
            },
            'object': _shared_86,
            'container': _shared_87,
            'expires': _shared_90,
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

_shared_95 = {
    'type': 'default',
    'schema': {
        'type': 'str',
    },
    'default': '',
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
                'schema': _shared_70,
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
                'schema': _shared_6,
                'validation_alias': 'match',
                'serialization_alias': 'match',
            },
            'not_match': {
                'type': 'model-field',
                'schema': _shared_6,
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
                        'expected': _shared_94,
                    },
                    'default': 'medium',
                },
                'validation_alias': 'severity',
                'serialization_alias': 'severity',
            },
            'message': {
                'type': 'model-field',
                'schema': _shared_95,
                'validation_alias': 'message',
                'serialization_alias': 'message',
            },
            'remediation': {
                'type': 'model-field',
                'schema': _shared_95,
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
                        'expected': _shared_94,
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
                            'expected': _shared_94,
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
                'schema': _shared_27,
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
            'api_version': _shared_2,
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
                        'keys_schema': _shared_24,
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
                'schema': _shared_72,
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
                'schema': _shared_72,
                'validation_alias': 'mcpServers',
                'serialization_alias': 'mcpServers',
            },
            'trusted_templates': {
                'type': 'model-field',
                'schema': _shared_72,
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
