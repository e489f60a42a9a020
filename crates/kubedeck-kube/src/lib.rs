//! kubedeck-kube
