import { create } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";

// grpc.health.v1 as a well-formed descriptor for server reflection. grpc-health-check serves the service, but
// the descriptor its proto-loader builds has relative type names and a map entry not named `<Field>Entry`,
// which strict clients (buf curl, Go's protodesc) refuse ("failed to find service named grpc.health.v1.Health
// in schema"). This is grpc-health-check's own health/v1/health.proto (Check, Watch, List), written out with
// fully qualified names under its canonical file name.

const { OPTIONAL, REPEATED } = FieldDescriptorProto_Label;
const { STRING, MESSAGE, ENUM } = FieldDescriptorProto_Type;

export const healthFileDescriptor: FileDescriptorProto = create(FileDescriptorProtoSchema, {
  name: "grpc/health/v1/health.proto",
  package: "grpc.health.v1",
  syntax: "proto3",
  options: { goPackage: "google.golang.org/grpc/health/grpc_health_v1", javaPackage: "io.grpc.health.v1" },
  messageType: [
    {
      name: "HealthCheckRequest",
      field: [{ name: "service", jsonName: "service", number: 1, label: OPTIONAL, type: STRING }],
    },
    {
      name: "HealthCheckResponse",
      field: [
        {
          name: "status",
          jsonName: "status",
          number: 1,
          label: OPTIONAL,
          type: ENUM,
          typeName: ".grpc.health.v1.HealthCheckResponse.ServingStatus",
        },
      ],
      enumType: [
        {
          name: "ServingStatus",
          value: [
            { name: "UNKNOWN", number: 0 },
            { name: "SERVING", number: 1 },
            { name: "NOT_SERVING", number: 2 },
            { name: "SERVICE_UNKNOWN", number: 3 },
          ],
        },
      ],
    },
    { name: "HealthListRequest" },
    {
      name: "HealthListResponse",
      field: [
        {
          name: "statuses",
          jsonName: "statuses",
          number: 1,
          label: REPEATED,
          type: MESSAGE,
          typeName: ".grpc.health.v1.HealthListResponse.StatusesEntry",
        },
      ],
      nestedType: [
        {
          name: "StatusesEntry",
          options: { mapEntry: true },
          field: [
            { name: "key", jsonName: "key", number: 1, label: OPTIONAL, type: STRING },
            {
              name: "value",
              jsonName: "value",
              number: 2,
              label: OPTIONAL,
              type: MESSAGE,
              typeName: ".grpc.health.v1.HealthCheckResponse",
            },
          ],
        },
      ],
    },
  ],
  service: [
    {
      name: "Health",
      method: [
        {
          name: "Check",
          inputType: ".grpc.health.v1.HealthCheckRequest",
          outputType: ".grpc.health.v1.HealthCheckResponse",
        },
        {
          name: "Watch",
          inputType: ".grpc.health.v1.HealthCheckRequest",
          outputType: ".grpc.health.v1.HealthCheckResponse",
          serverStreaming: true,
        },
        {
          name: "List",
          inputType: ".grpc.health.v1.HealthListRequest",
          outputType: ".grpc.health.v1.HealthListResponse",
        },
      ],
    },
  ],
});
