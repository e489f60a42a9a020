//! Images and the objects made from templates: image references split into repository and tag, the containers
//! of a pod template, `kubectl set image`'s patch, the Job of `kubectl create job --from=cronjob/...` and a Job
//! run again.

use super::INSTANTIATE_ANNOTATION;
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// A container and its image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ContainerImage {
    /// The container's name.
    pub container: String,
    /// Its image.
    pub image: String,
}

/// The containers (init containers first, as the pod runs them) of a pod template and their images.
pub fn containers(template: &Value) -> Vec<ContainerImage> {
    ["initContainers", "containers"]
        .iter()
        .flat_map(|k| template["spec"][k].as_array().into_iter().flatten())
        .map(|c| ContainerImage {
            container: c["name"].as_str().unwrap_or_default().to_owned(),
            image: c["image"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// An image reference split as Docker reads it: the repository (with its registry and port), the tag and the
/// digest. `localhost:5000/web:1.2@sha256:..` → (`localhost:5000/web`, `1.2`, `sha256:..`); no tag → `None`.
pub fn split(image: &str) -> (String, Option<String>, Option<String>) {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d.to_owned())),
        None => (image, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    match name[last_slash..].rfind(':') {
        Some(i) => (name[..last_slash + i].to_owned(), Some(name[last_slash + i + 1..].to_owned()), digest),
        None => (name.to_owned(), None, digest),
    }
}

/// Why an image cannot be set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetImageError {
    /// The template has no such container; these are the ones it has.
    NoContainer(Vec<String>),
}

/// `kubectl set image`: the strategic merge patch setting `container`'s image in the template at `pointer`
/// (`/spec/template`, or a CronJob's `/spec/jobTemplate/spec/template`), and the image it had.
pub fn set_image_patch(obj: &Value, pointer: &str, container: &str, image: &str) -> Result<(Value, String), SetImageError> {
    let template = obj.pointer(pointer).cloned().unwrap_or(Value::Null);
    for list in ["containers", "initContainers"] {
        if let Some(c) = template["spec"][list].as_array().and_then(|cs| cs.iter().find(|c| c["name"] == container)) {
            let before = c["image"].as_str().unwrap_or_default().to_owned();
            let mut containers = Map::new();
            containers.insert(list.to_owned(), json!([{"name": container, "image": image}]));
            let mut patch = json!({"spec": containers});
            for seg in pointer.trim_start_matches('/').split('/').collect::<Vec<_>>().into_iter().rev() {
                let mut m = Map::new();
                m.insert(seg.to_owned(), patch);
                patch = Value::Object(m);
            }
            return Ok((patch, before));
        }
    }
    Err(SetImageError::NoContainer(containers(&template).into_iter().map(|c| c.container).collect()))
}

/// A Job name: `base-suffix`, `base` cut so the whole stays within 63 characters (Jobs label their pods with
/// their name).
pub fn job_name(base: &str, suffix: &str) -> String {
    let keep = 63usize.saturating_sub(suffix.len() + 1);
    let base: String = base.chars().take(keep).collect();
    format!("{}-{suffix}", base.trim_end_matches(['-', '.']))
}

/// `kubectl create job NAME --from=cronjob/CJ`: the Job (at `job_api_version`, as the cluster serves Jobs) with the CronJob's job template, its
/// labels and annotations plus `cronjob.kubernetes.io/instantiate: manual`, controlled by the CronJob (the
/// owner reference's `apiVersion` is the CronJob's as served, without `blockOwnerDeletion`, like kubectl).
pub fn job_from_cronjob(cronjob: &Value, cronjob_api_version: &str, job_api_version: &str, name: &str) -> Value {
    let jt = &cronjob["spec"]["jobTemplate"];
    let mut annotations = Map::new();
    annotations.insert(INSTANTIATE_ANNOTATION.into(), "manual".into());
    if let Some(a) = jt["metadata"]["annotations"].as_object() {
        annotations.extend(a.clone());
    }
    let mut metadata = json!({
        "name": name,
        "namespace": cronjob["metadata"]["namespace"],
        "annotations": annotations,
        "ownerReferences": [{
            "apiVersion": cronjob_api_version,
            "kind": "CronJob",
            "name": cronjob["metadata"]["name"],
            "uid": cronjob["metadata"]["uid"],
            "controller": true,
        }],
    });
    if let Some(l) = jt["metadata"]["labels"].as_object() {
        metadata["labels"] = Value::Object(l.clone());
    }
    json!({"apiVersion": job_api_version, "kind": "Job", "metadata": metadata, "spec": jt["spec"]})
}

/// Labels the Job controller adds to a Job's selector and pods (v1.20 and later versions' names).
const JOB_CONTROLLER_LABELS: &[&str] = &["controller-uid", "job-name", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name"];

/// A Job run again: a copy of `job` named `name`, without what the cluster and the controller wrote (status,
/// uid, owner, the generated selector and the pod labels it matches), unless the Job chose its own selector.
pub fn rerun_job(job: &Value, name: &str) -> Value {
    let manual = job["spec"]["manualSelector"] == true;
    let mut spec = job["spec"].clone();
    let strip = |m: Option<&mut Map<String, Value>>| {
        if let Some(m) = m {
            for l in JOB_CONTROLLER_LABELS {
                m.remove(*l);
            }
        }
    };
    if !manual {
        if let Some(s) = spec.as_object_mut() {
            s.remove("selector");
        }
        strip(spec.pointer_mut("/template/metadata/labels").and_then(Value::as_object_mut));
    }
    let mut labels = job["metadata"]["labels"].clone();
    strip(labels.as_object_mut());
    let mut annotations = job["metadata"]["annotations"].clone();
    if let Some(a) = annotations.as_object_mut() {
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
    let mut metadata = json!({"name": name, "namespace": job["metadata"]["namespace"]});
    if labels.as_object().is_some_and(|m| !m.is_empty()) {
        metadata["labels"] = labels;
    }
    if annotations.as_object().is_some_and(|m| !m.is_empty()) {
        metadata["annotations"] = annotations;
    }
    json!({"apiVersion": job["apiVersion"].as_str().unwrap_or("batch/v1"), "kind": "Job", "metadata": metadata, "spec": spec})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_into_repository_tag_and_digest() {
        assert_eq!(split("nginx:1.25"), ("nginx".into(), Some("1.25".into()), None));
        assert_eq!(split("nginx"), ("nginx".into(), None, None));
        assert_eq!(split("localhost:5000/team/web"), ("localhost:5000/team/web".into(), None, None));
        assert_eq!(split("localhost:5000/web:2@sha256:ab"), ("localhost:5000/web".into(), Some("2".into()), Some("sha256:ab".into())));
    }

    #[test]
    fn set_image_patches_the_named_container_or_names_the_others() {
        let d = json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x:1"}], "initContainers": [{"name": "i", "image": "y:1"}]}}}}}});
        let (p, before) = set_image_patch(&d, "/spec/jobTemplate/spec/template", "i", "y:2").unwrap();
        assert_eq!(before, "y:1");
        assert_eq!(p, json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"initContainers": [{"name": "i", "image": "y:2"}]}}}}}}));
        assert_eq!(set_image_patch(&d, "/spec/jobTemplate/spec/template", "zz", "q").unwrap_err(), SetImageError::NoContainer(vec!["i".into(), "a".into()]));
    }

    #[test]
    fn a_manual_job_is_owned_by_its_cronjob_and_a_rerun_drops_the_generated_selector() {
        let cj = json!({"metadata": {"name": "nightly", "namespace": "n", "uid": "u"}, "spec": {"jobTemplate": {
            "metadata": {"labels": {"team": "a"}, "annotations": {"note": "x"}}, "spec": {"template": {"spec": {"containers": []}}}}}});
        let j = job_from_cronjob(&cj, "batch/v1beta1", "batch/v1", "nightly-manual-1");
        assert_eq!(j["metadata"]["annotations"], json!({"cronjob.kubernetes.io/instantiate": "manual", "note": "x"}));
        assert_eq!(j["metadata"]["ownerReferences"][0], json!({"apiVersion": "batch/v1beta1", "kind": "CronJob", "name": "nightly", "uid": "u", "controller": true}));
        assert_eq!(j["metadata"]["labels"]["team"], "a");
        let job = json!({"apiVersion": "batch/v1", "metadata": {"name": "j", "namespace": "n", "uid": "x", "labels": {"controller-uid": "x", "job-name": "j", "team": "a"}},
            "spec": {"selector": {"matchLabels": {"controller-uid": "x"}}, "template": {"metadata": {"labels": {"controller-uid": "x", "job-name": "j", "app": "b"}}}}, "status": {"succeeded": 1}});
        let r = rerun_job(&job, "j-rerun");
        assert!(r["spec"].get("selector").is_none() && r.get("status").is_none());
        assert_eq!(r["spec"]["template"]["metadata"]["labels"], json!({"app": "b"}));
        assert_eq!(r["metadata"]["labels"], json!({"team": "a"}));
        assert_eq!(job_name(&"a".repeat(70), "manual-abc").len(), 63);
    }
}
