//! RAM shares across organisations (TGT-02), as the import reads them.

use serde_json::json;

use super::describe::describe;
use crate::common::*;

#[test]
fn tgt_02_import_reads_acceptance_of_a_ram_share_across_organisations() {
    // cross-account-shared-target: 333333333333 (another organisation)
    // uses the security account's target through rs-monitor-partner.
    let path = root().join("scenarios/cross-account-shared-target.ron");
    let t = load_file(&path, "x").unwrap().scenario.topology;
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let mut described = describe(&t);
    let associations = "111111111111/us-east-1/ram-associations.json";
    // The invitation not yet accepted: the association is ASSOCIATING.
    for a in described.files.get_mut(associations).unwrap()["resourceShareAssociations"]
        .as_array_mut()
        .unwrap()
    {
        if a["associatedEntity"] == "333333333333" {
            a["status"] = "ASSOCIATING".into();
        }
    }
    // An organisational unit principal: not modelled, so a note.
    described.files.get_mut(associations).unwrap()["resourceShareAssociations"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "resourceShareArn": "arn:aws:ram:us-east-1:111111111111:resource-share/rs-monitor-org",
                      "associationType": "PRINCIPAL", "status": "ASSOCIATED", "external": false,
                      "associatedEntity": "arn:aws:organizations::111111111111:ou/o-sec0000001/ou-ab12-cdef3456" }));
    described.write(&snap);
    let out = dir.path().join("pending.ron");
    assert_ok(&sim(&[
        "import",
        "aws",
        snap.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains(r#"principals: ["333333333333"], accepted: false)"#),
        "{text}"
    );
    assert!(
        text.contains("// - RAM associations of resources or principals the twin does not model")
    );
    // TGT-02: the partner's session cannot use the target yet.
    let o = sim(&["check", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // The partner accepts: its get-resource-share-invitations says so.
    std::fs::write(
        snap.join("333333333333/us-east-1/invitations.json"),
        json!({ "resourceShareInvitations": [{
            "resourceShareInvitationArn": "arn:aws:ram:us-east-1:111111111111:resource-share-invitation/i-1",
            "resourceShareArn": "arn:aws:ram:us-east-1:111111111111:resource-share/rs-monitor-partner",
            "senderAccountId": "111111111111", "receiverAccountId": "333333333333", "status": "ACCEPTED" }] })
        .to_string(),
    )
    .unwrap();
    let (text, s) = imported(
        &["import", "aws", snap.to_str().unwrap()],
        &dir.path().join("accepted.ron"),
    );
    assert!(!text.contains("accepted: false"));
    let share = s
        .topology
        .resource_shares
        .iter()
        .find(|x| x.id == "rs-monitor-partner")
        .unwrap();
    assert!(share.accepted);
}
