//! An HPA that really scales: the testbed's metrics API (the simulator behind the apiserver's aggregation layer)
//! feeds the real kube-controller-manager, which scales a Deployment when the simulated load rises; Kubedeck
//! shows the HPA's current/target and the scaling events.

use crate::helpers::*;
use kubedeck_testbed::{Namespace, Testbed, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(180);

fn replicas(tb: &Testbed, ns: &str) -> i64 {
    tb.kubectl_ok(&[
        "-n",
        ns,
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.spec.replicas}",
    ])
    .parse()
    .unwrap_or(0)
}

async fn raising_the_load_makes_the_controller_manager_scale_up_and_kubedeck_shows_it() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "hpa");
    let n = ns.name();
    apply(
        &tb,
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {n}}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers: [{{name: app, image: nginx:1.19, resources: {{requests: {{cpu: 100m}}}}}}]\n---\napiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: web, namespace: {n}}}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}\n  minReplicas: 2\n  maxReplicas: 5\n  metrics: [{{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 50}}}}}}]\n"
        ),
    );
    // A quiet start: both pods at 20 % of their request (the simulated wave alone may cross 50 %).
    let set_cpu = |millicores: u32| {
        let pods = wait_until("both pods to run", DEADLINE, || {
            let pods = tb.kubectl_json(&[
                "-n",
                n,
                "get",
                "pods",
                "-l",
                "app=web",
                "--field-selector=status.phase=Running",
            ]);
            let names: Vec<String> = pods["items"]
                .as_array()?
                .iter()
                .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
                .collect();
            (names.len() >= 2).then_some(names)
        });
        for name in pods {
            let (status, body) = tb.sim(
                "PUT",
                &format!("/pods/{n}/{name}/cpu"),
                Some(&json!({"millicores": millicores})),
            );
            assert_eq!(status, 200, "{body}");
        }
    };
    set_cpu(20);
    // The autoscaler reads the pods' CPU once they have been ready for 30 s (kubectl sees a current value).
    wait_until("the HPA to read the pods' CPU", DEADLINE, || {
        let cur = tb.kubectl_ok(&[
            "-n",
            n,
            "get",
            "horizontalpodautoscalers.v2beta2.autoscaling",
            "web",
            "-o",
            "jsonpath={.status.currentMetrics[0].resource.current.averageUtilization}",
        ]);
        (!cur.is_empty()).then_some(())
    });
    assert_eq!(
        replicas(&tb, n),
        2,
        "at 20 % of the request the HPA keeps the minimum"
    );

    // Raise every pod's CPU to 150 % of its request: the real controller scales the Deployment up.
    set_cpu(150);
    let scaled = wait_until(
        "the controller-manager to scale the Deployment up",
        DEADLINE,
        || {
            let r = replicas(&tb, n);
            (r > 2).then_some(r)
        },
    );
    assert!(scaled <= 5, "within maxReplicas: {scaled}");

    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    // The HPA list shows current/target and the replicas the controller chose.
    let (targets, row_replicas) = eventually(
        "the HPA row with the raised load",
        Duration::from_secs(60),
        || async {
            let list = app
                .get(
                    &format!("/api/v1/k8s/cluster/{id}/namespaces/{n}/horizontalpodautoscalers"),
                    &admin,
                )
                .await;
            assert_eq!(list.status, StatusCode::OK, "{}", list.body);
            let col = |key: &str| {
                list.body["columns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .position(|c| c["key"] == key)
                    .unwrap_or_else(|| panic!("no column {key}: {}", list.body["columns"]))
            };
            let row = list.body["items"]
                .as_array()?
                .iter()
                .find(|r| r["name"] == "web")?
                .clone();
            let targets = row["cells"][col("targets")].as_str()?.to_owned();
            let replicas: i64 = row["cells"][col("replicas")]
                .as_str()
                .and_then(|s| s.parse().ok())
                .or_else(|| row["cells"][col("replicas")].as_i64())?;
            (replicas > 2 && !targets.contains("<unknown>")).then_some((targets, replicas))
        },
    )
    .await;
    let current: i64 = targets
        .trim_start_matches("cpu: ")
        .split('%')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("targets {targets:?}"));
    assert!(targets.ends_with("/50%"), "{targets}");
    assert!(
        current > 50,
        "the current utilisation is above the target: {targets}"
    );
    assert!(row_replicas > 2, "{row_replicas}");

    // The scaling events, as kubectl describe hpa shows them.
    let events = eventually("the rescale event", Duration::from_secs(30), || async {
        let ev = app
            .get(
                &format!(
                    "/api/v1/k8s/cluster/{id}/namespaces/{n}/horizontalpodautoscalers/web/events"
                ),
                &admin,
            )
            .await;
        assert_eq!(ev.status, StatusCode::OK, "{}", ev.body);
        let items: Vec<Value> = ev.body["items"]
            .as_array()
            .or(ev.body.as_array())
            .cloned()
            .unwrap_or_default();
        items
            .iter()
            .any(|e| e["reason"] == "SuccessfulRescale")
            .then_some(items)
    })
    .await;
    let rescale = events
        .iter()
        .find(|e| e["reason"] == "SuccessfulRescale")
        .unwrap();
    let msg = rescale["message"].as_str().unwrap();
    assert!(msg.starts_with("New size: "), "{msg}");
    assert!(
        msg.contains("cpu resource utilization (percentage of request) above target"),
        "{msg}"
    );
    app.stop().await;
}
on_one_backend!(raising_the_load_makes_the_controller_manager_scale_up_and_kubedeck_shows_it);
