"""What Karpenter is told, held word for word: its Helm values, the default EC2NodeClass and
NodePool, the interruption queue's name. Field names and allowed values as Karpenter v1.14.1
defines them (aws/karpenter-provider-aws at v1.14.1, commit 1d927085, read 2026-12-06):
charts/karpenter/values.yaml (`settings.clusterName`, `settings.interruptionQueue`, `replicas`,
`serviceAccount`, `affinity`, `tolerations`, `controller.resources`),
pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml (metadataOptions: httpEndpoint and
httpProtocolIPv6 enabled|disabled, httpTokens required|optional) and
pkg/apis/crds/karpenter.sh_nodepools.yaml (consolidationPolicy WhenEmpty|WhenEmptyOrUnderutilized).
The other values are this baseline's choices (their reasons: components/controllers/karpenter.py)."""

from components.controllers.karpenter import (
    interruption_queue_name,
    node_class_spec,
    node_pool_spec,
    release_values,
)


def test_the_helm_values():
    assert release_values("eks-platform-prod", "eks-platform-prod-karpenter") == {
        "settings": {
            "clusterName": "eks-platform-prod",
            "interruptionQueue": "eks-platform-prod-karpenter",
        },
        "replicas": 2,
        "serviceAccount": {"create": True, "name": "karpenter"},
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {"key": "karpenter.sh/nodepool", "operator": "DoesNotExist"}
                            ]
                        }
                    ]
                }
            }
        },
        "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
        "controller": {"resources": {"requests": {"cpu": "500m", "memory": "512Mi"}}},
    }


def test_the_default_node_class():
    tags = {"project": "eks-platform", "stack": "prod"}
    assert node_class_spec("eks-platform-prod", "node-role", "al2023@v20261120", tags) == {
        "role": "node-role",
        "amiSelectorTerms": [{"alias": "al2023@v20261120"}],
        "subnetSelectorTerms": [{"tags": {"karpenter.sh/discovery": "eks-platform-prod"}}],
        "securityGroupSelectorTerms": [{"tags": {"karpenter.sh/discovery": "eks-platform-prod"}}],
        "metadataOptions": {
            "httpEndpoint": "enabled",
            "httpProtocolIPv6": "disabled",
            "httpPutResponseHopLimit": 1,
            "httpTokens": "required",
        },
        "blockDeviceMappings": [
            {
                "deviceName": "/dev/xvda",
                "ebs": {
                    "volumeSize": "50Gi",
                    "volumeType": "gp3",
                    "encrypted": True,
                    "deleteOnTermination": True,
                },
            }
        ],
        "tags": {"project": "eks-platform", "stack": "prod"},
    }


def test_the_default_node_pool():
    assert node_pool_spec(200, 800) == {
        "template": {
            "spec": {
                "nodeClassRef": {
                    "group": "karpenter.k8s.aws",
                    "kind": "EC2NodeClass",
                    "name": "default",
                },
                "requirements": [
                    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]},
                    {
                        "key": "karpenter.sh/capacity-type",
                        "operator": "In",
                        "values": ["on-demand", "spot"],
                    },
                    {
                        "key": "karpenter.k8s.aws/instance-category",
                        "operator": "In",
                        "values": ["c", "m", "r"],
                    },
                    {
                        "key": "karpenter.k8s.aws/instance-generation",
                        "operator": "Gt",
                        "values": ["5"],
                    },
                ],
                "expireAfter": "720h",
            }
        },
        "limits": {"cpu": 200, "memory": "800Gi"},
        "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "1m"},
    }


def test_the_interruption_queue_name_fits_sqs_80_characters():
    # SQS queue names: 1-80 characters (Amazon SQS Developer Guide, quotas).
    assert interruption_queue_name("c" * 70) == "c" * 70 + "-karpenter"  # exactly 80
    # Longer: cut, then the first 8 hex digits of the name's SHA-256 (computed once with hashlib).
    assert interruption_queue_name("c" * 71) == "c" * 61 + "-2d09bd54-karpenter"
    assert interruption_queue_name("c" * 100) == "c" * 61 + "-bdcdc9e9-karpenter"
